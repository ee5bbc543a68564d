# The function's role may do only what the handler needs, on this stack's own
# resources. "*" appears only where AWS demands it (X-Ray, when tracing is on).

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "role_is_for_lambda_only" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role.lambda.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
    error_message = "only the Lambda service may assume the role"
  }
}

run "policy_is_least_privilege_by_default" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s.Sid => { actions = s.Action, resources = s.Resource, effect = s.Effect }
      } == {
      WriteOwnLogs = {
        effect    = "Allow"
        actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/s3-processor-dev:*"]
      }
      ReadTriggerObjects = {
        effect    = "Allow"
        actions   = ["s3:GetObject"]
        resources = ["arn:aws:s3:::lambda-trigger-bucket-dev-123456789012/*"]
      }
      WriteLogItems = {
        effect    = "Allow"
        actions   = ["dynamodb:PutItem"]
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/lambda-invocation-logs-dev"]
      }
    }
    error_message = "the policy must allow exactly: logs on the function's own log group, GetObject on the bucket's objects, PutItem on the table"
  }
  assert {
    condition     = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : [for a in s.Action : !strcontains(a, "*")]]))
    error_message = "no wildcard action"
  }
  assert {
    condition     = alltrue(flatten([for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : [for r in s.Resource : r != "*"]]))
    error_message = "no wildcard resource by default"
  }
}

run "xray_permission_only_with_active_tracing" {
  command = plan

  variables {
    tracing_mode = "Active"
  }

  assert {
    condition     = aws_lambda_function.processor.tracing_config[0].mode == "Active"
    error_message = "tracing must be active"
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s if s.Sid == "WriteTraces"] == [{
      Sid      = "WriteTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    }]
    error_message = "active tracing needs the two X-Ray write actions, which take no resource-level scope"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s.Sid == "WriteTraces" || !contains(s.Resource, "*")])
    error_message = "only the X-Ray statement may use the * resource"
  }
}

run "customer_key_adds_decrypt_on_that_key_only" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s if s.Sid == "DecryptWithCustomerKey"] == [{
      Sid      = "DecryptWithCustomerKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    }]
    error_message = "a customer key without the on-failure queue must add decrypt of that key and nothing more"
  }
}

run "customer_key_with_the_failure_queue_adds_data_keys_for_sending" {
  command = plan

  variables {
    kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    async_invocation = { failure_queue = {} }
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s if s.Sid == "DecryptWithCustomerKey"] == [{
      Sid      = "DecryptWithCustomerKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    }]
    error_message = "sending to a queue encrypted with the customer key needs its data keys too, on that key only"
  }
}

run "failure_queue_adds_send_on_that_queue_only" {
  command = plan

  variables {
    async_invocation = { failure_queue = {} }
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s if s.Sid == "SendFailedEvents"] == [{
      Sid      = "SendFailedEvents"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = ["arn:aws:sqs:eu-west-1:123456789012:s3-processor-failures-dev"]
    }]
    error_message = "the on-failure queue needs sqs:SendMessage on that queue and nothing more"
  }
}

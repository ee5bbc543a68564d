# The Lambda settings users of terraform-aws-lambda expect, and the log table's index by object.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "defaults_x86_text_logs_root_path_no_boundary_and_the_index" {
  command = plan

  assert {
    condition     = aws_lambda_function.processor.architectures == tolist(["x86_64"])
    error_message = "x86_64 by default"
  }
  assert {
    condition     = one(aws_lambda_function.processor.logging_config).log_format == "Text" && one(aws_lambda_function.processor.logging_config).log_group == "/aws/lambda/s3-processor-dev"
    error_message = "Lambda's Text format, into the module's log group, by default"
  }
  assert {
    condition     = one(aws_lambda_function.processor.logging_config).application_log_level == null && one(aws_lambda_function.processor.logging_config).system_log_level == null
    error_message = "no log levels with the Text format"
  }
  assert {
    condition     = aws_iam_role.lambda.path == "/" && aws_iam_role.lambda.permissions_boundary == null
    error_message = "the role at / without a boundary by default"
  }
  assert {
    condition = [for i in aws_dynamodb_table.logs.global_secondary_index : {
      name = i.name, hash = i.hash_key, range = i.range_key, projection = i.projection_type
      }] == [{
      name = "by-object-key", hash = "objectKey", range = "timestamp", projection = "ALL"
    }]
    error_message = "one index by default: by-object-key, objectKey then timestamp, every attribute projected"
  }
  assert {
    condition     = toset([for a in aws_dynamodb_table.logs.attribute : "${a.name}:${a.type}"]) == toset(["requestId:S", "timestamp:S", "objectKey:S"])
    error_message = "the table defines exactly its keys' attributes and the index's"
  }
  assert {
    condition     = output.dynamodb_object_key_index_name == "by-object-key"
    error_message = "the index's name is an output"
  }
}

run "the_index_can_be_turned_off" {
  command = plan

  variables {
    dynamodb = { object_key_index = false }
  }

  assert {
    condition     = length(aws_dynamodb_table.logs.global_secondary_index) == 0 && output.dynamodb_object_key_index_name == null
    error_message = "no index, and a null output, when turned off"
  }
  assert {
    condition     = toset([for a in aws_dynamodb_table.logs.attribute : a.name]) == toset(["requestId", "timestamp"])
    error_message = "without the index, objectKey is not defined (DynamoDB accepts key attributes only)"
  }
}

run "arm64_json_logs_with_levels" {
  command = plan

  variables {
    architectures  = ["arm64"]
    logging_config = { log_format = "JSON", application_log_level = "WARN", system_log_level = "DEBUG" }
  }

  assert {
    condition     = aws_lambda_function.processor.architectures == tolist(["arm64"])
    error_message = "arm64 as given"
  }
  assert {
    condition = one(aws_lambda_function.processor.logging_config) == {
      log_format = "JSON", log_group = "/aws/lambda/s3-processor-dev", application_log_level = "WARN", system_log_level = "DEBUG"
    }
    error_message = "JSON format and both levels as given, into the module's log group"
  }
}

run "role_path_and_permissions_boundary" {
  command = plan

  variables {
    role_path                 = "/service-roles/s3-logger/"
    role_permissions_boundary = "arn:aws:iam::123456789012:policy/workload-boundary"
  }

  assert {
    condition     = aws_iam_role.lambda.path == "/service-roles/s3-logger/" && aws_iam_role.lambda.permissions_boundary == "arn:aws:iam::123456789012:policy/workload-boundary"
    error_message = "path and boundary as given"
  }
}

run "extra_statements_are_merged_into_the_policy" {
  command = plan

  variables {
    extra_policy_statements = [
      {
        sid       = "ReadReferenceData"
        actions   = ["s3:GetObject", "s3:List*"]
        resources = ["arn:aws:s3:::reference-data", "arn:aws:s3:::reference-data/*"]
        conditions = [
          { test = "StringEquals", variable = "aws:ResourceAccount", values = ["123456789012"] },
          { test = "StringEquals", variable = "aws:PrincipalTag/team", values = ["data"] },
          { test = "Bool", variable = "aws:SecureTransport", values = ["true"] },
        ]
      },
      {
        effect    = "Deny"
        actions   = ["dynamodb:DeleteItem"]
        resources = ["*"]
      },
    ]
  }

  assert {
    condition = slice(jsondecode(aws_iam_role_policy.lambda.policy).Statement, 3, 5) == [
      {
        Sid      = "ReadReferenceData"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:List*"]
        Resource = ["arn:aws:s3:::reference-data", "arn:aws:s3:::reference-data/*"]
        Condition = {
          StringEquals = { "aws:ResourceAccount" = ["123456789012"], "aws:PrincipalTag/team" = ["data"] }
          Bool         = { "aws:SecureTransport" = ["true"] }
        }
      },
      { Effect = "Deny", Action = ["dynamodb:DeleteItem"], Resource = ["*"] },
    ]
    error_message = "the extra statements follow the module's own, conditions grouped by operator, no Sid where none was given"
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s.Sid if can(s.Sid)] == ["WriteOwnLogs", "ReadTriggerObjects", "WriteLogItems", "ReadReferenceData"]
    error_message = "the module's own statements stay as they are"
  }
}

# Asynchronous invocation: retries, event age, and the optional on-failure queue.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "defaults_retry_twice_and_send_nowhere" {
  command = plan

  assert {
    condition     = aws_lambda_function_event_invoke_config.processor.maximum_retry_attempts == 2 && aws_lambda_function_event_invoke_config.processor.maximum_event_age_in_seconds == 21600
    error_message = "two retries and six hours of event age by default, as Lambda's own defaults"
  }
  assert {
    condition     = length(aws_lambda_function_event_invoke_config.processor.destination_config) == 0
    error_message = "no destination unless asked for"
  }
  assert {
    condition     = length(aws_sqs_queue.failures) == 0 && output.failure_queue_url == null && output.failure_queue_arn == null
    error_message = "no queue unless asked for"
  }
  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.lambda.policy).Statement : s.Sid], "SendFailedEvents")
    error_message = "no SQS permission without a queue"
  }
}

run "failure_queue_is_created_encrypted_and_wired" {
  command = apply

  variables {
    async_invocation = {
      maximum_retry_attempts       = 1
      maximum_event_age_in_seconds = 3600
      failure_queue                = { message_retention_seconds = 86400 }
    }
  }

  assert {
    condition     = aws_sqs_queue.failures[0].name == "s3-processor-failures-dev"
    error_message = "queue name: ${aws_sqs_queue.failures[0].name}"
  }
  assert {
    condition     = aws_sqs_queue.failures[0].sqs_managed_sse_enabled && aws_sqs_queue.failures[0].message_retention_seconds == 86400
    error_message = "the queue must be encrypted and keep messages as long as asked"
  }
  assert {
    condition     = one(one(aws_lambda_function_event_invoke_config.processor.destination_config).on_failure).destination == aws_sqs_queue.failures[0].arn
    error_message = "failed events must go to the queue"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.processor.maximum_retry_attempts == 1 && aws_lambda_function_event_invoke_config.processor.maximum_event_age_in_seconds == 3600
    error_message = "retries and event age as given"
  }
  assert {
    condition     = output.failure_queue_arn == aws_sqs_queue.failures[0].arn && output.failure_queue_url == aws_sqs_queue.failures[0].url
    error_message = "the outputs must name the queue"
  }
}

run "failure_queue_uses_the_customer_key" {
  command = plan

  variables {
    kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    async_invocation = { failure_queue = {} }
  }

  assert {
    condition     = aws_sqs_queue.failures[0].kms_master_key_id == var.kms_key_arn && aws_sqs_queue.failures[0].message_retention_seconds == 1209600
    error_message = "the queue must be encrypted with the customer key and keep messages 14 days by default"
  }
}

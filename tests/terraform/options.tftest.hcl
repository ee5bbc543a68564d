# Each optional input changes what it says and nothing else.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "pr-42"
}

run "customer_key_encrypts_bucket_and_table" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.trigger.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "the bucket must use SSE-KMS with a customer key"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.trigger.rule).apply_server_side_encryption_by_default).kms_master_key_id == var.kms_key_arn
    error_message = "the bucket must use the given key"
  }
  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.trigger.rule).bucket_key_enabled
    error_message = "S3 bucket keys cut KMS calls and must be on with SSE-KMS"
  }
  assert {
    condition     = aws_dynamodb_table.logs.server_side_encryption[0].kms_key_arn == var.kms_key_arn
    error_message = "the table must use the given key"
  }
}

run "item_ttl_turns_on_table_ttl_and_tells_the_function" {
  command = plan

  variables {
    dynamodb = { item_ttl_days = 30 }
  }

  assert {
    condition     = one(aws_dynamodb_table.logs.ttl).attribute_name == "expiresAt" && one(aws_dynamodb_table.logs.ttl).enabled
    error_message = "TTL must be on, on expiresAt"
  }
  assert {
    condition = aws_lambda_function.processor.environment[0].variables == tomap({
      TABLE_NAME         = "lambda-invocation-logs-pr-42"
      ITEM_TTL_DAYS      = "30"
      ITEM_TTL_ATTRIBUTE = "expiresAt"
    })
    error_message = "the function must be told the TTL and its attribute"
  }
  assert {
    condition     = aws_dynamodb_table.logs.point_in_time_recovery[0].enabled && !aws_dynamodb_table.logs.deletion_protection_enabled
    error_message = "the other table options keep their defaults"
  }
}

run "table_protection_options" {
  command = plan

  variables {
    dynamodb = { deletion_protection = true, point_in_time_recovery = false }
  }

  assert {
    condition     = aws_dynamodb_table.logs.deletion_protection_enabled && !aws_dynamodb_table.logs.point_in_time_recovery[0].enabled
    error_message = "deletion protection on and PITR off as asked"
  }
}

run "function_options" {
  command = plan

  variables {
    runtime                        = "python3.11"
    memory_size                    = 256
    timeout                        = 60
    log_retention_in_days          = 0
    reserved_concurrent_executions = 5
    force_destroy                  = false
    tags                           = { team = "data", env = "test" }
  }

  assert {
    condition     = aws_lambda_function.processor.runtime == "python3.11" && aws_lambda_function.processor.memory_size == 256 && aws_lambda_function.processor.timeout == 60
    error_message = "runtime, memory and timeout as given"
  }
  assert {
    condition     = aws_lambda_function.processor.reserved_concurrent_executions == 5
    error_message = "reserved concurrency as given"
  }
  assert {
    condition     = aws_cloudwatch_log_group.lambda.retention_in_days == 0
    error_message = "0 keeps logs forever"
  }
  assert {
    condition     = !aws_s3_bucket.trigger.force_destroy
    error_message = "force_destroy as given"
  }
  assert {
    condition = alltrue([for tags in [
      aws_s3_bucket.trigger.tags, aws_dynamodb_table.logs.tags, aws_lambda_function.processor.tags,
      aws_iam_role.lambda.tags, aws_cloudwatch_log_group.lambda.tags,
    ] : tags == tomap({ team = "data", env = "test" })])
    error_message = "every taggable resource must carry the tags"
  }
}

run "notification_filter" {
  command = plan

  variables {
    notification_filter = { prefix = "incoming/", suffix = ".csv" }
  }

  assert {
    condition     = one(aws_s3_bucket_notification.trigger.lambda_function).filter_prefix == "incoming/" && one(aws_s3_bucket_notification.trigger.lambda_function).filter_suffix == ".csv"
    error_message = "the filter must reach the notification"
  }
}

run "missing_zip_is_a_clear_error" {
  command = plan

  variables {
    lambda_zip_path = "does/not/exist.zip"
  }

  expect_failures = [aws_lambda_function.processor]
}

run "longest_suffix_fits_every_name" {
  command = plan

  variables {
    suffix = "abcdefghijklmnopqrstuvwxyz01"
  }

  assert {
    condition     = length(aws_s3_bucket.trigger.bucket) == 63 && length(aws_lambda_function.processor.function_name) <= 64 && length(aws_iam_role.lambda.name) <= 64
    error_message = "a 28-character suffix must give a 63-character bucket name and fit the function and role limits"
  }
}

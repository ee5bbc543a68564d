# The plan with only the required input: names, settings and the wiring.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "names_follow_the_suffix_and_account" {
  command = plan

  assert {
    condition     = aws_s3_bucket.trigger.bucket == "lambda-trigger-bucket-dev-123456789012"
    error_message = "bucket name: ${aws_s3_bucket.trigger.bucket}"
  }
  assert {
    condition     = aws_dynamodb_table.logs.name == "lambda-invocation-logs-dev"
    error_message = "table name: ${aws_dynamodb_table.logs.name}"
  }
  assert {
    condition     = aws_lambda_function.processor.function_name == "s3-processor-dev"
    error_message = "function name: ${aws_lambda_function.processor.function_name}"
  }
  assert {
    condition     = aws_cloudwatch_log_group.lambda.name == "/aws/lambda/s3-processor-dev"
    error_message = "log group name: ${aws_cloudwatch_log_group.lambda.name}"
  }
  assert {
    condition     = aws_iam_role.lambda.name == "s3-processor-dev"
    error_message = "role name: ${aws_iam_role.lambda.name}"
  }
  assert {
    condition     = output.s3_bucket_name == "lambda-trigger-bucket-dev-123456789012" && output.dynamodb_table_name == "lambda-invocation-logs-dev" && output.lambda_function_name == "s3-processor-dev" && output.log_group_name == "/aws/lambda/s3-processor-dev"
    error_message = "the outputs must carry the generated names"
  }
}

run "table_is_keyed_by_event_and_recoverable" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.logs.hash_key == "requestId" && aws_dynamodb_table.logs.range_key == "timestamp"
    error_message = "the table must be keyed by requestId (hash) and timestamp (range)"
  }
  assert {
    condition     = toset([for a in aws_dynamodb_table.logs.attribute : "${a.name}:${a.type}"]) == toset(["requestId:S", "timestamp:S", "objectKey:S"])
    error_message = "both key attributes must be strings"
  }
  assert {
    condition     = aws_dynamodb_table.logs.billing_mode == "PAY_PER_REQUEST"
    error_message = "the table must be on-demand"
  }
  assert {
    condition     = aws_dynamodb_table.logs.point_in_time_recovery[0].enabled
    error_message = "point-in-time recovery must be on by default"
  }
  assert {
    condition     = aws_dynamodb_table.logs.server_side_encryption[0].enabled
    error_message = "the table must be encrypted (with the AWS managed key by default)"
  }
  assert {
    condition     = aws_dynamodb_table.logs.deletion_protection_enabled == false
    error_message = "deletion protection must be off by default so the stack can be destroyed"
  }
  assert {
    condition     = length(aws_dynamodb_table.logs.ttl) == 0
    error_message = "no TTL unless asked for"
  }
}

run "bucket_is_private_encrypted_and_tls_only" {
  command = plan

  assert {
    condition     = aws_s3_bucket_public_access_block.trigger.block_public_acls && aws_s3_bucket_public_access_block.trigger.block_public_policy && aws_s3_bucket_public_access_block.trigger.ignore_public_acls && aws_s3_bucket_public_access_block.trigger.restrict_public_buckets
    error_message = "all four public access blocks must be on"
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.trigger.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "object ownership must be BucketOwnerEnforced"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.trigger.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "SSE-S3 by default"
  }
  assert {
    condition     = aws_s3_bucket.trigger.force_destroy
    error_message = "force_destroy must default to true"
  }
  assert {
    condition = jsondecode(aws_s3_bucket_policy.trigger.policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::lambda-trigger-bucket-dev-123456789012", "arn:aws:s3:::lambda-trigger-bucket-dev-123456789012/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "the bucket policy must deny every request not made over TLS, and nothing else"
  }
}

run "function_settings" {
  command = plan

  assert {
    condition     = aws_lambda_function.processor.runtime == "python3.13" && aws_lambda_function.processor.handler == "index.lambda_handler"
    error_message = "python3.13 runtime and index.lambda_handler by default"
  }
  assert {
    condition     = aws_lambda_function.processor.timeout == 30 && aws_lambda_function.processor.memory_size == 128
    error_message = "30 s and 128 MB by default"
  }
  assert {
    condition     = aws_lambda_function.processor.environment[0].variables == tomap({ TABLE_NAME = "lambda-invocation-logs-dev" })
    error_message = "the function must be told the table name, and nothing else by default"
  }
  assert {
    condition     = aws_lambda_function.processor.source_code_hash == filebase64sha256("dist/lambda.zip")
    error_message = "source_code_hash must follow the zip's content"
  }
  assert {
    condition     = aws_lambda_function.processor.reserved_concurrent_executions == -1
    error_message = "unreserved concurrency by default"
  }
  assert {
    condition     = aws_lambda_function.processor.tracing_config[0].mode == "PassThrough"
    error_message = "tracing off (PassThrough) by default"
  }
  assert {
    condition     = aws_cloudwatch_log_group.lambda.retention_in_days == 14
    error_message = "logs kept 14 days by default"
  }
}

run "s3_may_invoke_the_function_and_is_wired_to_it" {
  command = plan

  assert {
    condition     = aws_lambda_permission.allow_s3.principal == "s3.amazonaws.com" && aws_lambda_permission.allow_s3.action == "lambda:InvokeFunction"
    error_message = "only S3 may invoke the function"
  }
  assert {
    condition     = aws_lambda_permission.allow_s3.source_account == "123456789012"
    error_message = "the permission must be pinned to the account (confused-deputy guard)"
  }
  assert {
    condition     = one(aws_s3_bucket_notification.trigger.lambda_function).events == toset(["s3:ObjectCreated:*"])
    error_message = "every ObjectCreated event must notify the function"
  }
  assert {
    condition     = one(aws_s3_bucket_notification.trigger.lambda_function).filter_prefix == null && one(aws_s3_bucket_notification.trigger.lambda_function).filter_suffix == null
    error_message = "no key filter by default"
  }
}

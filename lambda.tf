# The function that turns each S3 event into one DynamoDB item.

resource "aws_lambda_function" "processor" {
  function_name = local.function_name
  role          = aws_iam_role.lambda.arn
  runtime       = var.runtime
  handler       = "index.lambda_handler"
  timeout       = var.timeout
  memory_size   = var.memory_size

  filename = local.lambda_zip_path
  # Guarded so a missing zip fails on the precondition's message, not on a
  # bare "no file exists" from the function call.
  source_code_hash = fileexists(local.lambda_zip_path) ? filebase64sha256(local.lambda_zip_path) : null

  reserved_concurrent_executions = coalesce(var.reserved_concurrent_executions, -1)

  tracing_config {
    mode = var.tracing_mode
  }

  environment {
    variables = merge(
      { TABLE_NAME = local.table_name },
      var.dynamodb.item_ttl_days == null ? {} : {
        ITEM_TTL_DAYS      = tostring(var.dynamodb.item_ttl_days)
        ITEM_TTL_ATTRIBUTE = local.ttl_attribute_name
      },
    )
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = fileexists(local.lambda_zip_path)
      error_message = "The function package ${local.lambda_zip_path} does not exist: run `python build.py` (or `make build`) first, or set lambda_zip_path."
    }
  }

  # The log group first, so Lambda never creates an unmanaged one; the policy
  # first, so the first invocation can already write its logs and items.
  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_iam_role_policy.lambda,
  ]
}

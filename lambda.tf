# The function that turns each S3 event into one DynamoDB item.

resource "aws_lambda_function" "processor" {
  #checkov:skip=CKV_AWS_116:Failed asynchronous events go to the on-failure destination (async.tf), which supersedes a DLQ and keeps the response too.
  #checkov:skip=CKV_AWS_117:The function reaches only S3, DynamoDB and CloudWatch over their public endpoints; a VPC would add NAT or endpoints and cold-start cost for no private resource.
  #checkov:skip=CKV_AWS_272:The package is built reproducibly from this repository; code signing needs an AWS Signer profile, which is the caller's to add.
  #checkov:skip=CKV_AWS_173:The environment holds only the table name and TTL settings, no secrets; Lambda encrypts it at rest with its service key.
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

  architectures = var.architectures

  reserved_concurrent_executions = coalesce(var.reserved_concurrent_executions, -1)

  logging_config {
    log_format            = var.logging_config.log_format
    log_group             = local.log_group_name
    application_log_level = var.logging_config.application_log_level
    system_log_level      = var.logging_config.system_log_level
  }

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
      error_message = local.missing_package
    }
  }

  # The log group first, so Lambda never creates an unmanaged one; the policy
  # first, so the first invocation can already write its logs and items.
  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_iam_role_policy.lambda,
  ]
}

locals {
  # The precondition's message: the exact command that builds the package this root needs, run from the
  # root's own folder (where Terraform runs, and relative paths start).
  missing_package = join(" ", concat(
    ["The function package ${local.lambda_zip_path} does not exist."],
    var.lambda_zip_path != null ? ["Build it with `python3 ${path.module}/build.py --output ${var.lambda_zip_path}`."] : [],
    var.lambda_zip_path == null ? ["Build it with `python3 ${path.module}/build.py` (or `make build` in the module), or set lambda_zip_path."] : [],
  ))
}

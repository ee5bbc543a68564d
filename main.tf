# Names, ARNs and shared values. Every ARN the IAM policy needs is built here
# from known parts, so the policy is complete at plan time (and testable with
# a mock provider) instead of waiting for the resources to exist.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # The region from the EC2 endpoint ("ec2.<region>.<dns suffix>"): `name` is
  # deprecated in provider 6 and its replacement, `region`, does not exist in
  # 5.x; `endpoint` means the same in both.
  region = regex("^ec2\\.([a-z0-9-]+)\\.", data.aws_region.current.endpoint)[0]

  bucket_name    = "lambda-trigger-bucket-${var.suffix}-${local.account_id}"
  table_name     = "lambda-invocation-logs-${var.suffix}"
  function_name  = "s3-processor-${var.suffix}"
  role_name      = "s3-processor-${var.suffix}"
  queue_name     = "s3-processor-failures-${var.suffix}"
  log_group_name = "/aws/lambda/${local.function_name}"

  bucket_arn    = "arn:${local.partition}:s3:::${local.bucket_name}"
  table_arn     = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.table_name}"
  queue_arn     = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.queue_name}"
  log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  failure_queue_enabled = var.async_invocation.failure_queue != null

  # The package build.py makes from lambda/, committed with the module: a release carries its own code.
  lambda_zip_path = coalesce(var.lambda_zip_path, "${path.module}/dist/lambda.zip")

  object_key_index_name = "by-object-key"

  # The attribute the handler writes an expiry epoch into when item_ttl_days is set.
  ttl_attribute_name = "expiresAt"

  tags = var.tags
}

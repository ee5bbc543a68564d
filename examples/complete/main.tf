# Every option of the module, each set to something other than its default, so this root
# shows (and CI proves, by applying and destroying it) how they fit together.
# Build the function first: `python ../../build.py` (or `make build` at the root).

provider "aws" {
  region = var.region

  default_tags {
    tags = { example = "complete" }
  }
}

module "s3_object_logger" {
  source = "../.."

  suffix          = var.suffix
  lambda_zip_path = var.lambda_zip_path

  # The function
  runtime                        = "python3.12"
  memory_size                    = 256
  timeout                        = 60
  reserved_concurrent_executions = var.reserved_concurrent_executions # null unless set: see variables.tf
  tracing_mode                   = "Active"                           # X-Ray; the role gets the write permission

  # Graviton (the same package runs on both), and Lambda's JSON log format with its levels
  architectures  = ["arm64"]
  logging_config = { log_format = "JSON", application_log_level = "INFO", system_log_level = "INFO" }

  # The role as an organisation may require it: under a path, within a boundary (iam.tf), and allowed
  # one thing more than the shipped handler needs, for a handler of your own through lambda_zip_path
  role_path                 = "/service-roles/"
  role_permissions_boundary = aws_iam_policy.boundary.arn
  extra_policy_statements = [{
    sid       = "ReadObjectTags"
    actions   = ["s3:GetObjectTagging"]
    resources = ["arn:${local.partition}:s3:::${local.bucket}/*"]
  }]

  # Only CSV files under incoming/ are logged
  notification_filter = { prefix = "incoming/", suffix = ".csv" }

  # One customer managed key for the bucket (SSE-KMS), the table and the failure queue
  kms_key_arn = aws_kms_key.logger.arn

  # Logs kept a month; items expire after 30 days
  log_retention_in_days = 30
  dynamodb = {
    point_in_time_recovery = true
    deletion_protection    = false # true in production; false so this example can be destroyed
    item_ttl_days          = 30
  }

  # One retry, events older than an hour dropped, and what still fails kept 4 days in a queue
  async_invocation = {
    maximum_retry_attempts       = 1
    maximum_event_age_in_seconds = 3600
    failure_queue                = { message_retention_seconds = 345600 }
  }

  # Alarms to the topic (alarms.tf): any failed invocation or throttle in a minute, any event Lambda could
  # not put in the failure queue, and a failed event waiting there more than an hour
  alarms = {
    actions        = [aws_sns_topic.alerts.arn]
    period_seconds = 60
  }

  force_destroy = true # destroy empties the bucket first

  tags = {
    owner       = "data-platform"
    cost-center = "1234"
  }
}

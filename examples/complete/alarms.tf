# Where the module's alarms go: a topic encrypted with the example's key (its policy lets CloudWatch use
# the key to publish). Subscribe your on-call address or chat integration to it.

resource "aws_sns_topic" "alerts" {
  name              = "s3-object-logger-alerts-${var.suffix}"
  kms_master_key_id = aws_kms_key.logger.arn
}

# The log table: one item per S3 event, keyed by an id derived from the event
# (requestId) and the event's own time (timestamp).

resource "aws_dynamodb_table" "logs" {
  #checkov:skip=CKV_AWS_28:Point-in-time recovery is on by default (var.dynamodb); checkov cannot read the optional() default.
  name         = local.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "requestId"
  range_key    = "timestamp"

  deletion_protection_enabled = var.dynamodb.deletion_protection

  attribute {
    name = "requestId"
    type = "S"
  }

  attribute {
    name = "timestamp"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.dynamodb.point_in_time_recovery
  }

  # Encrypted with the AWS managed key (aws/dynamodb), or with the customer
  # managed key when kms_key_arn is set.
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  dynamic "ttl" {
    for_each = var.dynamodb.item_ttl_days == null ? [] : [local.ttl_attribute_name]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  tags = local.tags
}

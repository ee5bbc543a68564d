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

  # DynamoDB accepts an attribute definition only for a key: objectKey only with its index.
  dynamic "attribute" {
    for_each = var.dynamodb.object_key_index ? ["objectKey"] : []
    content {
      name = attribute.value
      type = "S"
    }
  }

  # Every event for one object, newest first, in one Query. Keyed on the object, a high-cardinality
  # attribute: an index on bucketName would be one hot partition, and a throttled index throttles
  # the table's writes. (Provider 6.29.0 deprecates an index's hash_key and range_key for key_schema,
  # which 5.x lacks: README, "Provider versions".)
  dynamic "global_secondary_index" {
    for_each = var.dynamodb.object_key_index ? [local.object_key_index_name] : []
    content {
      name            = global_secondary_index.value
      hash_key        = "objectKey"
      range_key       = "timestamp"
      projection_type = "ALL"
    }
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

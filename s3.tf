# The trigger bucket: private, owner-enforced, encrypted, TLS only.

resource "aws_s3_bucket" "trigger" {
  #checkov:skip=CKV_AWS_18:Every object created is already logged to the table; server access logs would need a second bucket.
  #checkov:skip=CKV2_AWS_61:How long objects live is the caller's data policy, not this module's.
  #checkov:skip=CKV_AWS_144:Cross-region replication needs a second region and bucket; out of scope for a trigger bucket.
  #checkov:skip=CKV_AWS_21:No versioning by design: each overwrite is a new event and is logged as its own item.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "trigger" {
  bucket = aws_s3_bucket.trigger.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "trigger" {
  bucket = aws_s3_bucket.trigger.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "trigger" {
  bucket = aws_s3_bucket.trigger.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_policy" "trigger" {
  bucket = aws_s3_bucket.trigger.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  # S3 rejects a policy put while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.trigger]
}

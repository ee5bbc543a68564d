# A customer managed key for the bucket, the table and the on-failure queue. The key policy
# leaves access to IAM (the account root), as AWS's default policy does; the module grants the
# function kms:Decrypt and kms:GenerateDataKey on this key and nothing more.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_iam_policy_document" "key" {
  # In a key policy, resource "*" means this key and nothing else; the statement is AWS's default key policy.
  #checkov:skip=CKV_AWS_109:A key policy's "*" resource is the key itself (AWS's default key policy)
  #checkov:skip=CKV_AWS_111:A key policy's "*" resource is the key itself (AWS's default key policy)
  #checkov:skip=CKV_AWS_356:A key policy's "*" resource is the key itself (AWS's default key policy)
  statement {
    sid       = "AccountAdministersTheKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch publishes the alarms to the encrypted topic (alarms.tf): it needs the key for that.
  statement {
    sid       = "CloudWatchPublishesAlarmsToTheTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "logger" {
  description             = "Encrypts the object logger's bucket, table and failure queue (${var.suffix})"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "logger" {
  name          = "alias/s3-object-logger-${var.suffix}"
  target_key_id = aws_kms_key.logger.key_id
}

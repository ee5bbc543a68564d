# Terraform owns the function's log group, so it has a retention and destroy
# removes it instead of leaving an orphan that Lambda created on first run.

resource "aws_cloudwatch_log_group" "lambda" {
  #checkov:skip=CKV_AWS_158:The logs hold object keys and request ids, no object data; a customer key would need a key policy for CloudWatch Logs.
  #checkov:skip=CKV_AWS_338:Retention is the caller's choice (log_retention_in_days, 14 days by default); the table is the durable record.
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  tags              = local.tags
}

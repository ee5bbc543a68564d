# Terraform owns the function's log group, so it has a retention and destroy
# removes it instead of leaving an orphan that Lambda created on first run.

resource "aws_cloudwatch_log_group" "lambda" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  tags              = local.tags
}

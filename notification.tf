# S3 → Lambda wiring. S3 checks that it may invoke the function when the
# notification is put, so the permission must exist first.

resource "aws_lambda_permission" "allow_s3" {
  statement_id   = "AllowInvokeFromTriggerBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.processor.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.trigger.arn
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "trigger" {
  bucket = aws_s3_bucket.trigger.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.processor.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.notification_filter.prefix
    filter_suffix       = var.notification_filter.suffix
  }

  depends_on = [aws_lambda_permission.allow_s3]
}

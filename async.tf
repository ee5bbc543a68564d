# How Lambda handles a failed asynchronous invocation (every S3 notification is
# one): retry up to maximum_retry_attempts times, drop events older than
# maximum_event_age_in_seconds, and, when asked, send what still failed to an
# SQS queue with its original event, so nothing is lost silently.

resource "aws_sqs_queue" "failures" {
  count = local.failure_queue_enabled ? 1 : 0

  name                      = local.queue_name
  message_retention_seconds = var.async_invocation.failure_queue.message_retention_seconds

  # SQS-managed encryption, or the customer key when one is given.
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null
  kms_master_key_id       = var.kms_key_arn

  tags = local.tags
}

resource "aws_lambda_function_event_invoke_config" "processor" {
  function_name                = aws_lambda_function.processor.function_name
  maximum_retry_attempts       = var.async_invocation.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_invocation.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = local.failure_queue_enabled ? [1] : []
    content {
      on_failure {
        destination = aws_sqs_queue.failures[0].arn
      }
    }
  }

  # Lambda checks that the role may send to the destination when the config is put.
  depends_on = [aws_iam_role_policy.lambda]
}

output "s3_bucket_name" {
  description = "Name of the bucket whose new objects are logged."
  value       = aws_s3_bucket.trigger.bucket
}

output "s3_bucket_arn" {
  description = "ARN of the trigger bucket."
  value       = aws_s3_bucket.trigger.arn
}

output "dynamodb_table_name" {
  description = "Name of the DynamoDB table holding one item per S3 event."
  value       = aws_dynamodb_table.logs.name
}

output "dynamodb_table_arn" {
  description = "ARN of the log table."
  value       = aws_dynamodb_table.logs.arn
}

output "dynamodb_object_key_index_name" {
  description = "Name of the table's index by object (objectKey, then timestamp): Query it with objectKey = <key> for every event of one object; null when dynamodb.object_key_index is false."
  value       = var.dynamodb.object_key_index ? local.object_key_index_name : null
}

output "lambda_function_name" {
  description = "Name of the function S3 invokes."
  value       = aws_lambda_function.processor.function_name
}

output "lambda_function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.processor.arn
}

output "lambda_role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.lambda.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.lambda.name
}

output "failure_queue_url" {
  description = "URL of the SQS queue that receives events whose invocation still failed after the retries; null when async_invocation.failure_queue is not set."
  value       = try(aws_sqs_queue.failures[0].url, null)
}

output "failure_queue_arn" {
  description = "ARN of the on-failure queue; null when it is not created."
  value       = try(aws_sqs_queue.failures[0].arn, null)
}

output "alarm_arns" {
  description = "ARN of each CloudWatch alarm, by name (errors, throttles, destination-delivery-failures, failure-queue-age); empty when alarms is not set."
  value       = { for name, alarm in aws_cloudwatch_metric_alarm.pipeline : name => alarm.arn }
}

output "bucket" {
  description = "Upload CSV files under incoming/ here."
  value       = module.s3_object_logger.s3_bucket_name
}

output "table" {
  description = "Read the log items here."
  value       = module.s3_object_logger.dynamodb_table_name
}

output "function" {
  description = "The function between the two."
  value       = module.s3_object_logger.lambda_function_name
}

output "log_group" {
  description = "The function's logs."
  value       = module.s3_object_logger.log_group_name
}

output "failure_queue_url" {
  description = "Events that still failed after the retry, with their original payload."
  value       = module.s3_object_logger.failure_queue_url
}

output "kms_key_arn" {
  description = "The key the bucket, the table and the queue are encrypted with."
  value       = aws_kms_key.logger.arn
}

output "alerts_topic_arn" {
  description = "The topic the module's alarms notify: subscribe to it."
  value       = aws_sns_topic.alerts.arn
}

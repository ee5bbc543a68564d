output "bucket" {
  description = "Upload here."
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

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "suffix" {
  description = "Suffix of every resource name (lowercase letters, digits, hyphens; at most 28 characters)."
  type        = string
  default     = "complete"
}

variable "lambda_zip_path" {
  description = "A function zip of your own, as build.py makes it; null means the package committed with the module (dist/lambda.zip)."
  type        = string
  default     = null
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; null (the default) reserves none. AWS refuses a reservation that leaves the account less than its minimum unreserved concurrency (10 on a new account, 50 or 100 on others), so set it only where the account's limit allows."
  type        = number
  default     = null # the module validates it
}

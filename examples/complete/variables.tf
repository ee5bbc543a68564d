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
  description = "The function's zip as build.py makes it; null means build/lambda.zip at the repository root."
  type        = string
  default     = null
}

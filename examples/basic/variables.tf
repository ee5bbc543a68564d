variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "suffix" {
  description = "Suffix of every resource name (lowercase letters, digits, hyphens)."
  type        = string
  default     = "example"
}

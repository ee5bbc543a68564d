# The smallest use of the module: every object written to the bucket gets one
# item in the table. Build the function first: `python ../../build.py`.

provider "aws" {
  region = var.region

  default_tags {
    tags = { example = "basic" }
  }
}

module "s3_object_logger" {
  source = "../.."

  suffix = var.suffix

  # Optional settings, shown with their defaults:
  # runtime               = "python3.13"
  # memory_size           = 128
  # timeout               = 30
  # log_retention_in_days = 14
  # notification_filter   = { prefix = "incoming/", suffix = ".csv" }
  # dynamodb              = { item_ttl_days = 90 }

  tags = {
    owner = "data-platform"
  }
}

terraform {
  # 1.5 for the features the module uses; the tests (`terraform test` with
  # mock providers) need 1.7. Tested with Terraform 1.11.4.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Tested with 5.100.0. Older 5.x releases lack nothing the module uses
      # as far as we know, but they are not tested, so they are not admitted.
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

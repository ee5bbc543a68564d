terraform {
  # 1.5 for the features the module uses; the tests (`terraform test` with
  # mock providers) need 1.7. Tested with Terraform 1.11.4.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100.0 is run end to end (the only release this project's machines
      # have); 6.x is admitted from reading its upgrade guide and changelog
      # for every resource and attribute the module uses (README, "Provider
      # versions"). Older 5.x releases are not tested, so not admitted.
      # python3.14 needs 6.21.0 or newer (5.x rejects it at plan).
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

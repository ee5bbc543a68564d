terraform {
  # 1.9: variables.tf's validations read locals (the runtimes of runtimes.tf,
  # the policy's own Sids of iam.tf), which Terraform allows from 1.9.0 (1.5
  # to 1.8 reject such a configuration). The tests (`terraform test` with mock
  # providers) need 1.7, which 1.9 covers. Run here with Terraform 1.11.4
  # only; 1.9.x and 1.10.x are admitted for that feature, not run.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100.0 is run end to end (the only release this project's machines
      # have); 6.x is admitted from reading its upgrade guide and changelog
      # for every resource and attribute the module uses (README, "Provider
      # versions"). Older 5.x releases are not tested, so not admitted.
      # A runtime may need a later release (runtimes.tf, min_aws_provider).
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

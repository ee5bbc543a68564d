# Lambda's Python runtimes and the dates of their deprecation, as Lambda's runtime table gives them
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, read 2026-12-01; README, "Runtimes").
# After `deprecation` a runtime gets no security patches; after `block_create` Lambda refuses to create a
# function with it, after `block_update` to update one. The module accepts every runtime here (variables.tf
# rejects the older ones) and warns at plan time, by the check below, once the deprecation date has passed.

locals {
  python_runtimes = {
    "python3.14" = { deprecation = "2029-06-30", block_create = "2029-07-31", block_update = "2029-08-31" }
    "python3.13" = { deprecation = "2029-06-30", block_create = "2029-07-31", block_update = "2029-08-31" }
    "python3.12" = { deprecation = "2028-10-31", block_create = "2028-11-30", block_update = "2029-01-10" }
    "python3.11" = { deprecation = "2027-06-30", block_create = "2027-07-31", block_update = "2027-08-31" }
    "python3.10" = { deprecation = "2026-10-31", block_create = "2027-02-01", block_update = "2027-03-03" }
    "python3.9"  = { deprecation = "2025-12-15", block_create = "2027-02-01", block_update = "2027-03-03" }
  }

  runtime_dates = local.python_runtimes[var.runtime]
}

check "runtime_support" {
  assert {
    condition = timecmp(plantimestamp(), "${local.runtime_dates.deprecation}T00:00:00Z") < 0
    error_message = join(" ", [
      "Lambda deprecated ${var.runtime} on ${local.runtime_dates.deprecation}: it gets no more security patches.",
      timecmp(plantimestamp(), "${local.runtime_dates.block_create}T00:00:00Z") < 0
      ? "Lambda blocks creating functions with it from ${local.runtime_dates.block_create} and updating them from ${local.runtime_dates.block_update}."
      : "Lambda no longer creates functions with it (since ${local.runtime_dates.block_create}): a new stack's apply fails; an existing function can be updated until ${local.runtime_dates.block_update}.",
      "Move to python3.13 or python3.14.",
    ])
  }
}

# Lambda's Python runtimes and the dates of their deprecation, as Lambda's runtime table gives them
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, read on python_runtimes_read; README,
# "Runtimes", whose table `make docs` writes from the locals here). After `deprecation` a runtime gets no security patches; after
# `block_create` Lambda refuses to create a function with it, after `block_update` to update one. The module accepts
# every runtime of python_runtimes, rejects those of rejected_python_runtimes (variables.tf's validations read both)
# and warns at plan time, by the check below, once an accepted runtime's deprecation date has passed.

locals {
  # The day the table was read: the README's table says which runtimes were deprecated by then.
  python_runtimes_read = "2026-12-01"

  # The runtimes the module accepts. min_aws_provider: the first hashicorp/aws release that knows the runtime, where
  # versions.tf admits older ones (those refuse it at plan with their own "expected runtime to be one of" error).
  python_runtimes = {
    "python3.14" = { deprecation = "2029-06-30", block_create = "2029-07-31", block_update = "2029-08-31", min_aws_provider = "6.21.0" }
    "python3.13" = { deprecation = "2029-06-30", block_create = "2029-07-31", block_update = "2029-08-31", min_aws_provider = null }
    "python3.12" = { deprecation = "2028-10-31", block_create = "2028-11-30", block_update = "2029-01-10", min_aws_provider = null }
    "python3.11" = { deprecation = "2027-06-30", block_create = "2027-07-31", block_update = "2027-08-31", min_aws_provider = null }
    "python3.10" = { deprecation = "2026-10-31", block_create = "2027-02-01", block_update = "2027-03-03", min_aws_provider = null }
    "python3.9"  = { deprecation = "2025-12-15", block_create = "2027-02-01", block_update = "2027-03-03", min_aws_provider = null }
  }

  # The older runtimes the module rejects, by reason: runtime -> the date the reason gives.
  rejected_python_runtimes = {
    # Older than the handler runs on (handler_min_python): runtime -> the date Lambda deprecated it.
    too_old_for_the_handler = {
      "python3.8" = "2024-10-14"
    }
    # Lambda no longer creates functions with these: runtime -> the date it stopped (block_create).
    blocked_by_lambda = {
      "python3.7" = "2024-01-09"
      "python3.6" = "2022-07-18"
      "python2.7" = "2021-07-15"
    }
  }

  # The oldest Python the handler runs on (lambda/index.py is written to its syntax).
  handler_min_python = "3.9"

  # What the messages advise moving to: the module's default runtime (variables.tf) first.
  advised_python_runtimes = ["python3.13", "python3.14"]

  # Every runtime named above, oldest first by version (python2.7, ..., python3.9, python3.10, ...).
  known_python_runtimes = [
    for sort_key in sort([
      for runtime in concat(keys(local.python_runtimes), flatten([for group in values(local.rejected_python_runtimes) : keys(group)])) :
      format("%04d.%04d %s", concat(regex("^python([0-9]+)\\.([0-9]+)$", runtime), [runtime])...)
    ]) : split(" ", sort_key)[1]
  ]
  accepted_python_runtimes = [for runtime in local.known_python_runtimes : runtime if contains(keys(local.python_runtimes), runtime)]

  # The sentences variables.tf's runtime validations end with, and name the blocked runtimes in.
  python_runtime_advice = "Use ${join(" or ", [for i, runtime in local.advised_python_runtimes : i == 0 ? "${runtime} (the default)" : runtime])}."
  blocked_python_runtimes_since = join(", ", [
    for runtime in reverse(local.known_python_runtimes) : "${runtime} since ${local.rejected_python_runtimes.blocked_by_lambda[runtime]}"
    if contains(keys(local.rejected_python_runtimes.blocked_by_lambda), runtime)
  ])

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
      "Move to ${join(" or ", local.advised_python_runtimes)}.",
    ])
  }
}

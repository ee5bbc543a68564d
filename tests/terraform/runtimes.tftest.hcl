# Lambda's runtime table at plan time (runtimes.tf). A runtime past its deprecation date is accepted with a
# warning (the check runtime_support); tests/terraform/test_runtimes.py runs every runtime of the table
# against today's date and reads the warning's text.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

# Red from the day Lambda deprecates the default (2029-06-30 by the table): the default must move then.
run "the_default_runtime_is_not_deprecated" {
  command = plan

  assert {
    condition     = aws_lambda_function.processor.runtime == "python3.13"
    error_message = "python3.13 by default"
  }
}

# Deprecated since 2025-12-15 and 2026-10-31: warned about, and the function still gets the runtime asked for.
run "python3_9_is_deprecated_and_still_deployed" {
  command = plan

  variables {
    runtime = "python3.9"
  }

  assert {
    condition     = aws_lambda_function.processor.runtime == "python3.9"
    error_message = "a deprecated runtime is a warning, not an error: the function gets it"
  }

  expect_failures = [check.runtime_support]
}

run "python3_10_is_deprecated_and_still_deployed" {
  command = plan

  variables {
    runtime = "python3.10"
  }

  assert {
    condition     = aws_lambda_function.processor.runtime == "python3.10"
    error_message = "a deprecated runtime is a warning, not an error: the function gets it"
  }

  expect_failures = [check.runtime_support]
}

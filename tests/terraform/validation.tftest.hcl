# Every validation rejects what it should. Each run fails on exactly that variable.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "suffix_uppercase" {
  command = plan

  variables {
    suffix = "Dev"
  }

  expect_failures = [var.suffix]
}

run "suffix_underscore" {
  command = plan

  variables {
    suffix = "my_env"
  }

  expect_failures = [var.suffix]
}

run "suffix_leading_hyphen" {
  command = plan

  variables {
    suffix = "-dev"
  }

  expect_failures = [var.suffix]
}

run "suffix_trailing_hyphen" {
  command = plan

  variables {
    suffix = "dev-"
  }

  expect_failures = [var.suffix]
}

run "suffix_empty" {
  command = plan

  variables {
    suffix = ""
  }

  expect_failures = [var.suffix]
}

run "suffix_too_long" {
  command = plan

  variables {
    suffix = "abcdefghijklmnopqrstuvwxyz012"
  }

  expect_failures = [var.suffix]
}

run "runtime_not_python" {
  command = plan

  variables {
    runtime = "nodejs20.x"
  }

  expect_failures = [var.runtime]
}

run "runtime_too_old" {
  command = plan

  variables {
    runtime = "python3.8"
  }

  expect_failures = [var.runtime]
}

run "runtime_blocked_by_lambda" {
  command = plan

  variables {
    runtime = "python3.7"
  }

  expect_failures = [var.runtime]
}

run "runtime_not_yet_in_lambda" {
  command = plan

  variables {
    runtime = "python3.15"
  }

  expect_failures = [var.runtime]
}

run "memory_too_small" {
  command = plan

  variables {
    memory_size = 127
  }

  expect_failures = [var.memory_size]
}

run "memory_too_large" {
  command = plan

  variables {
    memory_size = 10241
  }

  expect_failures = [var.memory_size]
}

run "memory_fractional" {
  command = plan

  variables {
    memory_size = 128.5
  }

  expect_failures = [var.memory_size]
}

run "timeout_zero" {
  command = plan

  variables {
    timeout = 0
  }

  expect_failures = [var.timeout]
}

run "timeout_too_long" {
  command = plan

  variables {
    timeout = 901
  }

  expect_failures = [var.timeout]
}

run "retention_not_allowed" {
  command = plan

  variables {
    log_retention_in_days = 10
  }

  expect_failures = [var.log_retention_in_days]
}

run "retention_negative" {
  command = plan

  variables {
    log_retention_in_days = -1
  }

  expect_failures = [var.log_retention_in_days]
}

run "tag_key_reserved" {
  command = plan

  variables {
    tags = { "aws:owner" = "x" }
  }

  expect_failures = [var.tags]
}

run "tag_key_empty" {
  command = plan

  variables {
    tags = { "" = "x" }
  }

  expect_failures = [var.tags]
}

run "filter_prefix_too_long" {
  command = plan

  variables {
    notification_filter = { prefix = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }
  }

  expect_failures = [var.notification_filter]
}

run "kms_not_an_arn" {
  command = plan

  variables {
    kms_key_arn = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_alias" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/my-key"
  }

  expect_failures = [var.kms_key_arn]
}

run "concurrency_negative" {
  command = plan

  variables {
    reserved_concurrent_executions = -1
  }

  expect_failures = [var.reserved_concurrent_executions]
}

run "tracing_unknown" {
  command = plan

  variables {
    tracing_mode = "On"
  }

  expect_failures = [var.tracing_mode]
}

run "zip_not_a_zip" {
  command = plan

  variables {
    lambda_zip_path = "build/lambda.tar.gz"
  }

  expect_failures = [var.lambda_zip_path]
}

run "ttl_zero" {
  command = plan

  variables {
    dynamodb = { item_ttl_days = 0 }
  }

  expect_failures = [var.dynamodb]
}

run "ttl_fractional" {
  command = plan

  variables {
    dynamodb = { item_ttl_days = 1.5 }
  }

  expect_failures = [var.dynamodb]
}

run "async_retries_three" {
  command = plan

  variables {
    async_invocation = { maximum_retry_attempts = 3 }
  }

  expect_failures = [var.async_invocation]
}

run "async_retries_negative" {
  command = plan

  variables {
    async_invocation = { maximum_retry_attempts = -1 }
  }

  expect_failures = [var.async_invocation]
}

run "async_event_age_too_short" {
  command = plan

  variables {
    async_invocation = { maximum_event_age_in_seconds = 59 }
  }

  expect_failures = [var.async_invocation]
}

run "async_event_age_too_long" {
  command = plan

  variables {
    async_invocation = { maximum_event_age_in_seconds = 21601 }
  }

  expect_failures = [var.async_invocation]
}

run "async_queue_retention_too_long" {
  command = plan

  variables {
    async_invocation = { failure_queue = { message_retention_seconds = 1209601 } }
  }

  expect_failures = [var.async_invocation]
}

run "async_queue_retention_too_short" {
  command = plan

  variables {
    async_invocation = { failure_queue = { message_retention_seconds = 59 } }
  }

  expect_failures = [var.async_invocation]
}

run "alarms_action_not_a_topic" {
  command = plan

  variables {
    alarms = { actions = ["arn:aws:sqs:eu-west-1:123456789012:queue"] }
  }

  expect_failures = [var.alarms]
}

run "alarms_without_actions" {
  command = plan

  variables {
    alarms = { actions = [] }
  }

  expect_failures = [var.alarms]
}

run "alarms_threshold_below_one" {
  command = plan

  variables {
    alarms = { actions = ["arn:aws:sns:eu-west-1:123456789012:t"], errors_threshold = 0 }
  }

  expect_failures = [var.alarms]
}

run "alarms_period_not_a_minute" {
  command = plan

  variables {
    alarms = { actions = ["arn:aws:sns:eu-west-1:123456789012:t"], period_seconds = 45 }
  }

  expect_failures = [var.alarms]
}

run "architectures_unknown" {
  command = plan

  variables {
    architectures = ["aarch64"]
  }

  expect_failures = [var.architectures]
}

run "architectures_two" {
  command = plan

  variables {
    architectures = ["x86_64", "arm64"]
  }

  expect_failures = [var.architectures]
}

run "logging_config_format" {
  command = plan

  variables {
    logging_config = { log_format = "XML" }
  }

  expect_failures = [var.logging_config]
}

run "logging_config_application_level" {
  command = plan

  variables {
    logging_config = { log_format = "JSON", application_log_level = "VERBOSE" }
  }

  expect_failures = [var.logging_config]
}

run "logging_config_system_level" {
  command = plan

  variables {
    logging_config = { log_format = "JSON", system_log_level = "ERROR" }
  }

  expect_failures = [var.logging_config]
}

run "logging_config_levels_need_json" {
  command = plan

  variables {
    logging_config = { application_log_level = "WARN" }
  }

  expect_failures = [var.logging_config]
}

run "role_path_no_slashes" {
  command = plan

  variables {
    role_path = "service-roles"
  }

  expect_failures = [var.role_path]
}

run "role_permissions_boundary_not_a_policy" {
  command = plan

  variables {
    role_permissions_boundary = "arn:aws:iam::123456789012:role/boundary"
  }

  expect_failures = [var.role_permissions_boundary]
}

run "extra_policy_statements_star_action" {
  command = plan

  variables {
    extra_policy_statements = [{ actions = ["*"], resources = ["arn:aws:s3:::b/*"] }]
  }

  expect_failures = [var.extra_policy_statements]
}

run "extra_policy_statements_service_star" {
  command = plan

  variables {
    extra_policy_statements = [{ actions = ["s3:*"], resources = ["arn:aws:s3:::b/*"] }]
  }

  expect_failures = [var.extra_policy_statements]
}

run "extra_policy_statements_no_resource" {
  command = plan

  variables {
    extra_policy_statements = [{ actions = ["s3:GetObject"], resources = [] }]
  }

  expect_failures = [var.extra_policy_statements]
}

run "extra_policy_statements_effect" {
  command = plan

  variables {
    extra_policy_statements = [{ effect = "Permit", actions = ["s3:GetObject"], resources = ["*"] }]
  }

  expect_failures = [var.extra_policy_statements]
}

run "extra_policy_statements_sid_clash" {
  command = plan

  variables {
    extra_policy_statements = [{ sid = "WriteLogItems", actions = ["s3:GetObject"], resources = ["*"] }]
  }

  expect_failures = [var.extra_policy_statements]
}

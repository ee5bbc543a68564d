variable "suffix" {
  description = "Distinguishes this stack's resources (e.g. dev, pr-42). Lowercase letters, digits and hyphens, starting and ending with a letter or digit, at most 28 characters so that the bucket name lambda-trigger-bucket-<suffix>-<12-digit account> fits S3's 63."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", var.suffix))
    error_message = "suffix must be lowercase letters, digits and hyphens, and start and end with a letter or digit."
  }

  validation {
    condition     = length(var.suffix) <= 28
    error_message = "suffix must be at most 28 characters: the bucket name lambda-trigger-bucket-<suffix>-<account id> may not exceed 63."
  }
}

variable "runtime" {
  description = "Lambda runtime of the function: python3.9 to python3.14, as Lambda's runtime table lets a function be created with them (read 2026-12-01); python3.14 needs provider 6.21.0 or newer. A runtime Lambda has deprecated is accepted with a warning at plan time naming the dates Lambda blocks creating and updating functions with it; python3.8 and older are rejected."
  type        = string
  default     = "python3.13"
  nullable    = false

  # The runtimes and the dates in the messages are runtimes.tf's: a validation may read locals from Terraform 1.9.
  validation {
    condition     = !contains(keys(local.rejected_python_runtimes.blocked_by_lambda), var.runtime)
    error_message = "runtime ${var.runtime} is not accepted: Lambda no longer creates functions with it (${local.blocked_python_runtimes_since}). ${local.python_runtime_advice}"
  }

  validation {
    condition     = !contains(keys(local.rejected_python_runtimes.too_old_for_the_handler), var.runtime)
    error_message = "runtime ${var.runtime} is not accepted: the handler needs Python ${local.handler_min_python} or newer, and Lambda deprecated it on ${lookup(local.rejected_python_runtimes.too_old_for_the_handler, var.runtime, "?")}. ${local.python_runtime_advice}"
  }

  validation {
    condition     = contains(local.known_python_runtimes, var.runtime)
    error_message = "runtime must be one of ${join(", ", local.accepted_python_runtimes)} (Lambda's Python runtimes the handler runs on)."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (128 to 10240)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "timeout" {
  description = "Timeout of the function in seconds (1 to 900)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "log_retention_in_days" {
  description = "Days CloudWatch Logs keeps the function's logs; 0 keeps them forever. Only the values CloudWatch accepts."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "tags" {
  description = "Tags for every taggable resource of the module. Keys of 1 to 128 characters, not starting with aws:; values of at most 256."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "tags: keys must be 1 to 128 characters and not start with aws:, values at most 256 characters."
  }
}

variable "notification_filter" {
  description = "Only objects whose key starts with prefix and ends with suffix trigger the function; null or omitted means no filter on that side. Each at most 1024 characters."
  type = object({
    prefix = optional(string)
    suffix = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for v in [var.notification_filter.prefix, var.notification_filter.suffix] : v == null ? true : length(v) <= 1024])
    error_message = "notification_filter: prefix and suffix may each be at most 1024 characters (S3's key length)."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key (the key ARN, not an alias) to encrypt the bucket (SSE-KMS with S3 Bucket Keys), the table and the on-failure queue with; null uses SSE-S3 for the bucket, the AWS managed key for the table and SSE-SQS for the queue. The function is allowed kms:Decrypt on it, and kms:GenerateDataKey too when the on-failure queue exists."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases are not accepted."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; 0 stops it from running at all; null leaves it unreserved."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null or a whole number of at least 0."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the function: PassThrough (off unless the caller traces) or Active. Active adds the X-Ray write permission."
  type        = string
  default     = "PassThrough"
  nullable    = false

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "lambda_zip_path" {
  description = "Path of a function zip of your own, as build.py makes it (ending in .zip); null means the package committed with the module, dist/lambda.zip (its handler, lambda/)."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_zip_path == null || endswith(coalesce(var.lambda_zip_path, "-"), ".zip")
    error_message = "lambda_zip_path must name a .zip file."
  }
}

variable "force_destroy" {
  description = "Whether destroy empties the bucket first; false makes destroy fail while objects remain."
  type        = bool
  default     = true
  nullable    = false
}

variable "dynamodb" {
  description = "Options of the log table: deletion protection (off so the stack can be destroyed), point-in-time recovery, item_ttl_days (null keeps items forever; otherwise TTL is enabled on expiresAt and the function stamps each item to expire that many days after it is written), and object_key_index (on by default: a global secondary index by-object-key, objectKey then timestamp, so every event for one object, newest first, is one Query; it doubles the table's write cost)."
  type = object({
    deletion_protection    = optional(bool, false)
    point_in_time_recovery = optional(bool, true)
    item_ttl_days          = optional(number)
    object_key_index       = optional(bool, true)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.dynamodb.item_ttl_days == null || try(var.dynamodb.item_ttl_days >= 1 && floor(var.dynamodb.item_ttl_days) == var.dynamodb.item_ttl_days, false)
    error_message = "dynamodb.item_ttl_days must be null or a whole number of days, at least 1."
  }
}

variable "async_invocation" {
  description = "Asynchronous invocation (how S3 invokes the function): retries after a failure (0-2), the oldest event still worth running (60-21600 s), and failure_queue: when set, an encrypted SQS queue s3-processor-failures-<suffix> the module creates as the on-failure destination, receiving every event that still failed with its original payload (message_retention_seconds 60-1209600, default 14 days)."
  type = object({
    maximum_retry_attempts       = optional(number, 2)
    maximum_event_age_in_seconds = optional(number, 21600)
    failure_queue = optional(object({
      message_retention_seconds = optional(number, 1209600)
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains([0, 1, 2], var.async_invocation.maximum_retry_attempts)
    error_message = "async_invocation.maximum_retry_attempts must be 0, 1 or 2."
  }

  validation {
    condition     = var.async_invocation.maximum_event_age_in_seconds >= 60 && var.async_invocation.maximum_event_age_in_seconds <= 21600 && floor(var.async_invocation.maximum_event_age_in_seconds) == var.async_invocation.maximum_event_age_in_seconds
    error_message = "async_invocation.maximum_event_age_in_seconds must be a whole number from 60 to 21600."
  }

  validation {
    condition     = var.async_invocation.failure_queue == null || try(var.async_invocation.failure_queue.message_retention_seconds >= 60 && var.async_invocation.failure_queue.message_retention_seconds <= 1209600, false)
    error_message = "async_invocation.failure_queue.message_retention_seconds must be from 60 to 1209600 (14 days)."
  }
}

variable "architectures" {
  description = "Instruction set of the function, as a list of one: [\"x86_64\"] or [\"arm64\"] (Graviton, about 20 % less per GB-second at list price). The handler is pure Python, so the same package runs on both."
  type        = list(string)
  default     = ["x86_64"]
  nullable    = false

  validation {
    condition     = length(var.architectures) == 1 && alltrue([for a in var.architectures : contains(["x86_64", "arm64"], a)])
    error_message = "architectures must be [\"x86_64\"] or [\"arm64\"]: Lambda runs a function on exactly one."
  }
}

variable "logging_config" {
  description = "The function's log format and levels: log_format Text (the default) or JSON (Lambda's JSON log format: its platform lines become JSON too); with JSON, application_log_level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL: the handler drops its lines below it) and system_log_level (DEBUG, INFO, WARN: Lambda's platform lines). The handler writes one JSON object per line under both formats."
  type = object({
    log_format            = optional(string, "Text")
    application_log_level = optional(string)
    system_log_level      = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["Text", "JSON"], var.logging_config.log_format)
    error_message = "logging_config.log_format must be Text or JSON."
  }

  validation {
    condition     = var.logging_config.application_log_level == null || contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.logging_config.application_log_level, "-"))
    error_message = "logging_config.application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }

  validation {
    condition     = var.logging_config.system_log_level == null || contains(["DEBUG", "INFO", "WARN"], coalesce(var.logging_config.system_log_level, "-"))
    error_message = "logging_config.system_log_level must be one of DEBUG, INFO, WARN."
  }

  validation {
    condition     = var.logging_config.log_format == "JSON" || (var.logging_config.application_log_level == null && var.logging_config.system_log_level == null)
    error_message = "logging_config: log levels need log_format = \"JSON\" (Lambda filters by level only in its JSON log format)."
  }
}

variable "role_path" {
  description = "Path of the function's IAM role (e.g. /service-roles/): a slash, or slash-separated names ending in a slash, at most 512 characters."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = length(var.role_path) <= 512 && can(regex("^/([!-.0-~]+/)*$", var.role_path))
    error_message = "role_path must be / or start and end with / (e.g. /service-roles/), printable ASCII without spaces, at most 512 characters."
  }
}

variable "role_permissions_boundary" {
  description = "ARN of a managed policy set as the permissions boundary of the function's role; null sets none."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", coalesce(var.role_permissions_boundary, "-")))
    error_message = "role_permissions_boundary must be an IAM policy ARN (arn:aws:iam::<account>:policy/<name>)."
  }
}

variable "extra_policy_statements" {
  description = "Statements added to the function's policy, for a handler (passed through lambda_zip_path) that needs more than the shipped one: effect (Allow or Deny), actions (no \"*\" and no \"<service>:*\"), resources (at least one), optional sid (letters and digits, unique) and conditions ({ test, variable, values })."
  type = list(object({
    sid       = optional(string)
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for s in var.extra_policy_statements : length(s.actions) > 0 && alltrue([for a in s.actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]*[A-Za-z][A-Za-z0-9*?]*$", a))])])
    error_message = "extra_policy_statements: each statement needs actions of the form <service>:<action> (wildcards inside a name, as s3:Get*, are allowed; \"*\" and \"<service>:*\" are not)."
  }

  validation {
    condition     = alltrue([for s in var.extra_policy_statements : length(s.resources) > 0 && alltrue([for r in s.resources : r != ""])])
    error_message = "extra_policy_statements: each statement needs at least one resource, none empty."
  }

  validation {
    condition     = alltrue([for s in var.extra_policy_statements : contains(["Allow", "Deny"], s.effect)])
    error_message = "extra_policy_statements: effect must be Allow or Deny."
  }

  validation {
    condition     = alltrue([for s in var.extra_policy_statements : s.sid == null || can(regex("^[A-Za-z0-9]+$", coalesce(s.sid, "-")))]) && length(compact([for s in var.extra_policy_statements : s.sid])) == length(distinct(compact([for s in var.extra_policy_statements : s.sid]))) && length(setintersection(compact([for s in var.extra_policy_statements : s.sid]), local.own_policy_sids)) == 0
    error_message = "extra_policy_statements: a sid is letters and digits only, unique, and not one of the module's own (${join(", ", local.own_policy_sids)})."
  }
}

variable "alarms" {
  description = "CloudWatch alarms on the pipeline, none unless set. actions: the SNS topic ARNs told when an alarm goes off and when it clears. Alarms: the function's Errors and Throttles; with the on-failure queue, DestinationDeliveryFailures (events Lambda could not put in the queue) and the queue's oldest message age. Each goes off when its metric reaches its threshold (failed invocations, throttles, failed deliveries per period; seconds for the age) in one period of period_seconds (60 to 86400, a multiple of 60)."
  type = object({
    actions                                 = list(string)
    errors_threshold                        = optional(number, 1)
    throttles_threshold                     = optional(number, 1)
    destination_delivery_failures_threshold = optional(number, 1)
    failure_queue_oldest_age_seconds        = optional(number, 3600)
    period_seconds                          = optional(number, 300)
  })
  default = null

  validation {
    condition     = var.alarms == null || try(length(var.alarms.actions) > 0 && alltrue([for a in var.alarms.actions : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", a))]), false)
    error_message = "alarms.actions must be one or more SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>)."
  }

  validation {
    condition     = var.alarms == null || try(alltrue([for n in [var.alarms.errors_threshold, var.alarms.throttles_threshold, var.alarms.destination_delivery_failures_threshold, var.alarms.failure_queue_oldest_age_seconds] : n >= 1 && floor(n) == n]), false)
    error_message = "alarms: every threshold (errors, throttles, destination delivery failures, the failure queue's oldest age in seconds) must be a whole number of at least 1."
  }

  validation {
    condition     = var.alarms == null || try(var.alarms.period_seconds >= 60 && var.alarms.period_seconds <= 86400 && var.alarms.period_seconds % 60 == 0, false)
    error_message = "alarms.period_seconds must be a multiple of 60 from 60 to 86400."
  }
}

# CloudWatch alarms, when var.alarms asks for them: a function failing or throttled, and, with the
# on-failure queue, events Lambda could not deliver to it and events waiting in it too long. Each tells
# the given SNS topics when it goes off and when it clears; no data is not a breach (a quiet pipeline).

locals {
  alarm_period = try(var.alarms.period_seconds, 300)

  # What the three alarms on the function's own metrics share.
  function_metric = { namespace = "AWS/Lambda", dimensions = { FunctionName = local.function_name }, statistic = "Sum" }

  alarms = var.alarms == null ? {} : merge(
    {
      errors = merge(local.function_metric, {
        metric      = "Errors"
        threshold   = var.alarms.errors_threshold
        description = "${local.function_name} failed ${var.alarms.errors_threshold} or more invocations in ${local.alarm_period} s: events are being retried, and then sent to the failure queue or dropped."
      })
      throttles = merge(local.function_metric, {
        metric      = "Throttles"
        threshold   = var.alarms.throttles_threshold
        description = "${local.function_name} was throttled ${var.alarms.throttles_threshold} or more times in ${local.alarm_period} s: events wait, up to the maximum event age."
      })
    },
    local.failure_queue_enabled ? {
      destination-delivery-failures = merge(local.function_metric, {
        metric      = "DestinationDeliveryFailures"
        threshold   = var.alarms.destination_delivery_failures_threshold
        description = "Lambda could not put ${var.alarms.destination_delivery_failures_threshold} or more failed events of ${local.function_name} in its failure queue in ${local.alarm_period} s: those events are lost."
      })
      failure-queue-age = {
        namespace   = "AWS/SQS"
        metric      = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = local.queue_name }
        statistic   = "Maximum"
        threshold   = var.alarms.failure_queue_oldest_age_seconds
        description = "A failed event has waited ${var.alarms.failure_queue_oldest_age_seconds} s or more in ${local.queue_name}: replay it before the queue's retention drops it."
      }
    } : {},
  )
}

resource "aws_cloudwatch_metric_alarm" "pipeline" {
  for_each = local.alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = local.alarm_period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarms.actions
  ok_actions          = var.alarms.actions

  tags = local.tags
}

# Alarms are opt-in; when asked for, each watches one metric of this stack and tells the given topics.

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  suffix = "dev"
}

run "no_alarms_by_default" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.pipeline) == 0 && output.alarm_arns == {}
    error_message = "no alarm unless asked for"
  }
}

run "function_alarms_without_the_queue" {
  command = plan

  variables {
    alarms = { actions = ["arn:aws:sns:eu-west-1:123456789012:oncall"] }
  }

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.pipeline) == ["errors", "throttles"]
    error_message = "without the failure queue: errors and throttles only"
  }
  assert {
    condition = {
      for k, a in aws_cloudwatch_metric_alarm.pipeline : k => [a.alarm_name, a.namespace, a.metric_name, a.dimensions, a.statistic, a.threshold, a.period, a.evaluation_periods, a.comparison_operator, a.treat_missing_data]
      } == {
      errors    = ["s3-processor-dev-errors", "AWS/Lambda", "Errors", tomap({ FunctionName = "s3-processor-dev" }), "Sum", 1, 300, 1, "GreaterThanOrEqualToThreshold", "notBreaching"]
      throttles = ["s3-processor-dev-throttles", "AWS/Lambda", "Throttles", tomap({ FunctionName = "s3-processor-dev" }), "Sum", 1, 300, 1, "GreaterThanOrEqualToThreshold", "notBreaching"]
    }
    error_message = "each alarm on its metric of this function, at the default thresholds and period"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.pipeline : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:oncall"]) && a.ok_actions == a.alarm_actions])
    error_message = "the topics are told when an alarm goes off and when it clears"
  }
}

run "queue_alarms_with_the_queue_and_thresholds_as_given" {
  command = plan

  variables {
    async_invocation = { failure_queue = {} }
    tags             = { team = "data" }
    alarms = {
      actions                                 = ["arn:aws:sns:eu-west-1:123456789012:oncall", "arn:aws:sns:eu-west-1:123456789012:audit"]
      errors_threshold                        = 5
      throttles_threshold                     = 10
      destination_delivery_failures_threshold = 2
      failure_queue_oldest_age_seconds        = 900
      period_seconds                          = 60
    }
  }

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.pipeline) == ["destination-delivery-failures", "errors", "failure-queue-age", "throttles"]
    error_message = "with the failure queue: its two alarms too"
  }
  assert {
    condition = {
      for k, a in aws_cloudwatch_metric_alarm.pipeline : k => [a.namespace, a.metric_name, a.dimensions, a.statistic, a.threshold, a.period]
      } == {
      errors                        = ["AWS/Lambda", "Errors", tomap({ FunctionName = "s3-processor-dev" }), "Sum", 5, 60]
      throttles                     = ["AWS/Lambda", "Throttles", tomap({ FunctionName = "s3-processor-dev" }), "Sum", 10, 60]
      destination-delivery-failures = ["AWS/Lambda", "DestinationDeliveryFailures", tomap({ FunctionName = "s3-processor-dev" }), "Sum", 2, 60]
      failure-queue-age             = ["AWS/SQS", "ApproximateAgeOfOldestMessage", tomap({ QueueName = "s3-processor-failures-dev" }), "Maximum", 900, 60]
    }
    error_message = "thresholds and period as given, the queue's age on the queue's own metric"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.pipeline : a.tags == tomap({ team = "data" }) && length(a.alarm_actions) == 2])
    error_message = "tagged, and every topic told"
  }
}

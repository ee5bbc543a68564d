# Fixed identity for plan-time tests, so every generated name and ARN is known.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_region" {
  defaults = {
    endpoint = "ec2.eu-west-1.amazonaws.com"
  }
}

# Computed ARNs the provider validates when a run applies (command = apply).

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock-role"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:mock-function"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock-bucket"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock-queue"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock-queue"
  }
}

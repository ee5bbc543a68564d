# A permissions boundary, as many organisations require on every role a team creates: the most the
# function's role may ever do, whatever its own policy says. This one holds what the module's policy
# grants (with this example's options) and the example's extra statement, each on this stack's resources.

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  bucket    = "lambda-trigger-bucket-${var.suffix}-${local.account}"
}

resource "aws_iam_policy" "boundary" {
  name        = "s3-object-logger-boundary-${var.suffix}"
  path        = "/boundaries/"
  description = "The most the object logger's function (${var.suffix}) may do"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "LoggerResources"
        Effect = "Allow"
        Action = ["logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:GetObjectTagging", "dynamodb:PutItem", "sqs:SendMessage"]
        Resource = [
          "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/lambda/s3-processor-${var.suffix}:*",
          "arn:${local.partition}:s3:::${local.bucket}/*",
          "arn:${local.partition}:dynamodb:${var.region}:${local.account}:table/lambda-invocation-logs-${var.suffix}",
          "arn:${local.partition}:sqs:${var.region}:${local.account}:s3-processor-failures-${var.suffix}",
        ]
      },
      {
        Sid      = "LoggerKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [aws_kms_key.logger.arn]
      },
      {
        Sid      = "Traces" # X-Ray's write actions take no resource
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
    ]
  })
}

# The function's role and its one inline policy, scoped to this stack's own
# log group, bucket and table (stricter than AWSLambdaBasicExecutionRole,
# which allows logs:* on every log group of the account).

resource "aws_iam_role" "lambda" {
  name                 = local.role_name
  path                 = var.role_path
  permissions_boundary = var.role_permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

locals {
  # The Sids of the module's own statements, in the policy's order. Each statement below takes its Sid from
  # here (by name: one not listed fails `terraform validate`), and variables.tf's validation keeps
  # extra_policy_statements from reusing one, naming them from here.
  own_policy_sids = ["WriteOwnLogs", "ReadTriggerObjects", "WriteLogItems", "SendFailedEvents", "DecryptWithCustomerKey", "WriteTraces"]
  own_policy_sid  = { for sid in local.own_policy_sids : sid => sid }

  lambda_policy_statements = concat(
    [
      {
        Sid      = local.own_policy_sid.WriteOwnLogs
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${local.log_group_arn}:*"]
      },
      # Not used by the handler as shipped (it logs the event, it does not read the object): granted so
      # a handler built on it (lambda_zip_path) can read the object it is notified of, and no other.
      {
        Sid      = local.own_policy_sid.ReadTriggerObjects
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.bucket_arn}/*"]
      },
      {
        Sid      = local.own_policy_sid.WriteLogItems
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem"]
        Resource = [local.table_arn]
      },
    ],
    # The on-failure destination: Lambda sends with the function's role.
    local.failure_queue_enabled ? [{
      Sid      = local.own_policy_sid.SendFailedEvents
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = [local.queue_arn]
    }] : [],
    # A customer managed key: kms:Decrypt to read objects encrypted with it; with the on-failure queue
    # (encrypted with it too), kms:GenerateDataKey as well, which SQS asks of a sender with Decrypt.
    var.kms_key_arn == null ? [] : [{
      Sid      = local.own_policy_sid.DecryptWithCustomerKey
      Effect   = "Allow"
      Action   = local.failure_queue_enabled ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
      Resource = [var.kms_key_arn]
    }],
    # X-Ray's write actions support no resource-level permissions: AWS demands "*".
    var.tracing_mode == "Active" ? [{
      Sid      = local.own_policy_sid.WriteTraces
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"]
    }] : [],
    [for s in var.extra_policy_statements : merge(
      s.sid == null ? {} : { Sid = s.sid },
      { Effect = s.effect, Action = s.actions, Resource = s.resources },
      length(s.conditions) == 0 ? {} : {
        Condition = { for test in distinct([for c in s.conditions : c.test]) : test => {
          for c in s.conditions : c.variable => c.values if c.test == test
        } }
      },
    )],
  )
}

resource "aws_iam_role_policy" "lambda" {
  name = "s3-processor-access"
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.lambda_policy_statements
  })
}

# Fulfilment on AWS Step Functions and the fraud check as a Lambda (issue: the seed's
# orchestration rows). The state machine definition is the repository's one ASL file,
# orders/fulfilment/statemachine.asl.json, rendered with templatefile(); the Lambda
# package is the two Django-free modules orders/fraud_rules.py + orders/fraud_lambda.py.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  repo       = "${path.module}/../../../.."

  function_name      = "${var.name}-fraud-score"
  state_machine_name = "${var.name}-fulfilment"
  state_machine      = var.fulfilment_engine == "stepfunctions"
  # Known before the state machine exists: the trust policy and key policy name it.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"

  function_log_group      = "/aws/lambda/${local.function_name}"
  state_machine_log_group = "/aws/vendedlogs/states/${local.state_machine_name}"

  # The template's placeholders (the tests render the same file with their own values).
  definition_values = {
    fulfilment_queue_url = var.steps_queue_url
    fraud_resource       = "arn:${local.partition}:states:::lambda:invoke"
    fraud_function_arn   = try(aws_lambda_function.fraud.arn, "")
  }
}

################################################################################
# Encryption key: state machine data, log groups, the fraud DLQ
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} fulfilment orchestration (state machine, fraud Lambda logs and DLQ)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = [
              "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.function_log_group}",
              "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.state_machine_log_group}",
            ]
          }
        }
      },
      {
        # Vended log delivery reads the encrypted execution data it writes to the logs.
        Sid       = "StateMachineLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "delivery.logs.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-orchestration"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Fraud scorer Lambda
################################################################################

# Only the pure rules and the handler: no Django, no dependencies beyond the stdlib.
data "archive_file" "fraud" {
  type        = "zip"
  output_path = "${path.root}/.terraform/${local.function_name}.zip"

  source {
    content  = "\"\"\"Fraud scoring, packaged for AWS Lambda.\"\"\"\n"
    filename = "orders/__init__.py"
  }

  source {
    content  = file("${local.repo}/orders/fraud_rules.py")
    filename = "orders/fraud_rules.py"
  }

  source {
    content  = file("${local.repo}/orders/fraud_lambda.py")
    filename = "orders/fraud_lambda.py"
  }
}

resource "aws_cloudwatch_log_group" "fraud" {
  name              = local.function_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

# Failed asynchronous invocations (after Lambda's own retries) land here. The worker
# and the state machine invoke synchronously and retry themselves.
resource "aws_sqs_queue" "fraud_dlq" {
  name                      = "${local.function_name}-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_lambda_function" "fraud" {
  #checkov:skip=CKV_AWS_117:The function only computes a score from the JSON it is given: it calls no AWS service or database, so a VPC would add ENIs and NAT cost and protect nothing.
  #checkov:skip=CKV_AWS_272:The package is built by archive_file from two reviewed files of this repository at plan time; there is no separate artifact pipeline whose signature code signing would check.
  function_name = local.function_name
  description   = "SecureCart fraud score: order facts in, score + reasons out (orders/fraud_rules.py)"
  role          = aws_iam_role.fraud.arn

  filename         = data.archive_file.fraud.output_path
  source_code_hash = data.archive_file.fraud.output_base64sha256
  handler          = "orders.fraud_lambda.handler"
  runtime          = "python3.12"
  architectures    = ["arm64"]
  memory_size      = var.fraud_function.memory_size
  timeout          = var.fraud_function.timeout

  # Its own ceiling (a checkout burst cannot starve other functions, nor run away).
  reserved_concurrent_executions = var.fraud_function.reserved_concurrency

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.fraud_dlq.arn
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.fraud.name
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.fraud, aws_cloudwatch_log_group.fraud]
}

resource "aws_lambda_function_event_invoke_config" "fraud" {
  function_name                = aws_lambda_function.fraud.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.fraud_dlq.arn
    }
  }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "fraud" {
  name               = "${local.function_name}-lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "fraud" {
  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.fraud.arn}:*"]
  }

  statement {
    sid       = "OnFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.fraud_dlq.arn]
  }

  statement {
    sid       = "DeadLetterKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "fraud" {
  name   = "least-privilege"
  role   = aws_iam_role.fraud.id
  policy = data.aws_iam_policy_document.fraud.json
}

# X-Ray has no resource type to scope to.
data "aws_iam_policy_document" "traces" {
  #checkov:skip=CKV_AWS_356:X-Ray PutTraceSegments/PutTelemetryRecords and the sampling reads are granted on "*" as AWS documents them: they have no resource type.
  #checkov:skip=CKV_AWS_111:Same statement: the X-Ray write actions cannot be constrained by resource.
  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "fraud_traces" {
  name   = "traces"
  role   = aws_iam_role.fraud.id
  policy = data.aws_iam_policy_document.traces.json
}

################################################################################
# Step Functions state machine (FULFILMENT_ENGINE=stepfunctions)
################################################################################

resource "aws_cloudwatch_log_group" "state_machine" {
  count = local.state_machine ? 1 : 0

  name              = local.state_machine_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  count = local.state_machine ? 1 : 0

  name               = "${local.state_machine_name}-states"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid       = "SendStepsToTheWorkers"
    actions   = ["sqs:SendMessage"]
    resources = [var.steps_queue_arn]
  }

  statement {
    sid       = "StepsQueueKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.messaging_kms_key_arn]
  }

  statement {
    sid       = "InvokeFraudScorer"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.fraud.arn, "${aws_lambda_function.fraud.arn}:*"]
  }

  statement {
    sid       = "StateMachineKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.this.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:aws:states:stateMachineArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  count = local.state_machine ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.state_machine[0].id
  policy = data.aws_iam_policy_document.state_machine.json
}

# CloudWatch Logs delivery for Step Functions is configured through these account-level
# actions, which AWS documents with Resource "*" only.
data "aws_iam_policy_document" "state_machine_unscoped" {
  #checkov:skip=CKV_AWS_356:The CloudWatch Logs vended-delivery actions (CreateLogDelivery, PutResourcePolicy, ...) that Step Functions logging needs support no resource-level permissions, and the X-Ray writes have no resource type; AWS documents both with "*".
  #checkov:skip=CKV_AWS_111:Same statements: logs:CreateLogDelivery/UpdateLogDelivery/DeleteLogDelivery/PutResourcePolicy and xray:PutTraceSegments cannot be constrained by resource.
  source_policy_documents = [data.aws_iam_policy_document.traces.json]

  statement {
    sid = "LogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine_unscoped" {
  count = local.state_machine ? 1 : 0

  name   = "log-delivery-and-traces"
  role   = aws_iam_role.state_machine[0].id
  policy = data.aws_iam_policy_document.state_machine_unscoped.json
}

resource "aws_sfn_state_machine" "fulfilment" {
  count = local.state_machine ? 1 : 0

  name       = local.state_machine_name
  role_arn   = aws_iam_role.state_machine[0].arn
  type       = "STANDARD"
  definition = templatefile("${local.repo}/orders/fulfilment/statemachine.asl.json", local.definition_values)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[0].arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = aws_kms_key.this.arn
    kms_data_key_reuse_period_seconds = 300
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine, aws_iam_role_policy.state_machine_unscoped]
}

################################################################################
# Alarms
################################################################################

locals {
  function_dims = { FunctionName = local.function_name }
  machine_dims  = { StateMachineArn = local.state_machine_arn }

  # The execution alarms only with the state machine (a for-filter: the two branches
  # of a conditional would be objects of different shapes).
  all_alarms = {
    fraud-lambda-errors = {
      description = "The fraud function raised (invalid facts or a bug): fraud checks retry, then compensate"
      namespace   = "AWS/Lambda", metric = "Errors", dimensions = local.function_dims
    }
    fraud-lambda-throttles = {
      description = "The fraud function hit its reserved concurrency: raise fraud_function.reserved_concurrency"
      namespace   = "AWS/Lambda", metric = "Throttles", dimensions = local.function_dims
    }
    fraud-lambda-dlq = {
      description = "Failed asynchronous fraud invocations in ${local.function_name}-dlq"
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = "${local.function_name}-dlq" }
    }
    fulfilment-executions-failed = {
      description = "Fulfilment executions failed: reconcile_orders re-drives or compensates them"
      namespace   = "AWS/States", metric = "ExecutionsFailed", dimensions = local.machine_dims
    }
    fulfilment-executions-timed-out = {
      description = "Fulfilment executions timed out (a step's worker never answered its task token)"
      namespace   = "AWS/States", metric = "ExecutionsTimedOut", dimensions = local.machine_dims
    }
  }
  alarms = { for k, a in local.all_alarms : k => a if local.state_machine || a.namespace != "AWS/States" }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.metric == "ApproximateNumberOfMessagesVisible" ? "Maximum" : "Sum"
  period              = 60
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]

  tags = var.tags
}

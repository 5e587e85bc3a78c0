################################################################################
# IAM: one execution role, one least-privilege task role per task definition
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReadAppSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "DecryptAppSecretsAndImages"
    actions   = ["kms:Decrypt"]
    resources = concat([var.kms_key_arn], var.secret_kms_key_arns, var.api_gateway.enabled ? [var.api_gateway.kms_key_arn] : [])
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  for_each = local.task_definitions

  name               = "${var.name}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

locals {
  # Step Functions actions per kind of task (only with FULFILMENT_ENGINE=stepfunctions).
  task_token_actions = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
  # GetExecutionHistory: the admin order page shows the execution's current state.
  execution_actions = ["states:StartExecution", "states:DescribeExecution", "states:GetExecutionHistory"]
  states_actions = {
    web    = local.execution_actions
    ops    = local.execution_actions
    worker = concat(local.task_token_actions, local.execution_actions)
    steps  = concat(local.task_token_actions, local.execution_actions)
  }
  # DescribeExecution and GetExecutionHistory are authorised on execution ARNs.
  execution_arns = "${replace(coalesce(var.orchestration.state_machine_arn, "none"), ":stateMachine:", ":execution:")}:*"
}

data "aws_iam_policy_document" "task" {
  for_each = local.task_definitions

  # web and beat enqueue Celery tasks (so do the fulfilment steps); the worker
  # consumes (and chains) them.
  dynamic "statement" {
    for_each = contains(["web", "beat", "steps"], each.value.kind) ? [1] : []
    content {
      sid       = "EnqueueCeleryTasks"
      actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = local.celery_queue_arns
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "worker" ? [1] : []
    content {
      sid = "ConsumeCeleryQueues"
      actions = [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
      ]
      resources = local.celery_queue_arns
    }
  }

  dynamic "statement" {
    for_each = contains(["consumer", "projector"], each.value.kind) ? [1] : []
    content {
      sid = "ConsumeOwnChannelQueue"
      actions = [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
      ]
      resources = [for q in each.value.queues : var.queue_arns[q]]
    }
  }

  # The outbox relay (web after commit, worker sweep, fulfilment steps after commit)
  # publishes domain events.
  dynamic "statement" {
    for_each = contains(["web", "worker", "steps"], each.value.kind) ? [1] : []
    content {
      sid       = "PublishOrderEvents"
      actions   = ["sns:Publish"]
      resources = [var.order_events_topic_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker", "steps"], each.value.kind) ? [1] : []
    content {
      sid       = "PutOrderEvents"
      actions   = ["events:PutEvents"]
      resources = [var.event_bus_arn]
    }
  }

  # FULFILMENT_ENGINE=stepfunctions: the steps consumer takes its steps from the
  # fulfilment-steps queue and answers the task tokens; web starts executions after
  # checkout and shows them on the admin order page; the worker and ops
  # (reconcile_orders) re-drive or inspect them. Only this state machine and its
  # executions, and its key (the execution data is encrypted with it).
  dynamic "statement" {
    for_each = each.value.kind == "steps" ? [1] : []
    content {
      sid = "ConsumeFulfilmentSteps"
      actions = [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
      ]
      resources = [for q in each.value.queues : var.queue_arns[q]]
    }
  }

  dynamic "statement" {
    for_each = local.stepfunctions && contains(keys(local.states_actions), each.value.kind) ? [1] : []
    content {
      sid       = "FulfilmentStateMachine"
      actions   = local.states_actions[each.value.kind]
      resources = [var.orchestration.state_machine_arn, local.execution_arns]
    }
  }

  dynamic "statement" {
    for_each = local.stepfunctions && contains(keys(local.states_actions), each.value.kind) ? [1] : []
    content {
      sid       = "StateMachineKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.orchestration.kms_key_arn]
    }
  }

  # FRAUD_SCORER=lambda: whoever runs the fraud-check step invokes the fraud function.
  dynamic "statement" {
    for_each = var.orchestration.fraud_scorer == "lambda" && contains(["worker", "steps"], each.value.kind) ? [1] : []
    content {
      sid       = "InvokeFraudScorer"
      actions   = ["lambda:InvokeFunction"]
      resources = [var.orchestration.fraud_function_arn]
    }
  }

  # Order tracking: web reads an order's item; the projector updates items (conditional
  # writes); the ops task's rebuild_order_tracking reads sequences and writes batches.
  dynamic "statement" {
    for_each = each.value.kind == "web" ? [1] : []
    content {
      sid       = "ReadOrderTracking"
      actions   = ["dynamodb:GetItem"]
      resources = [var.order_tracking_table_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "projector" ? [1] : []
    content {
      sid       = "ProjectOrderTracking"
      actions   = ["dynamodb:UpdateItem"]
      resources = [var.order_tracking_table_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "RebuildOrderTracking"
      actions   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
      resources = [var.order_tracking_table_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "projector", "ops"], each.value.kind) ? [1] : []
    content {
      sid       = "OrderTrackingKey"
      actions   = each.value.kind == "web" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      resources = [var.order_tracking_kms_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["dynamodb.${local.region}.amazonaws.com"]
      }
    }
  }

  # Everyone who sends to or receives from the encrypted queues needs the key.
  statement {
    sid       = "MessagingKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.messaging_kms_key_arn]
  }

  # --- ops: the runbook commands, one-off tasks of the ops definition -----------
  # manage.py doctor: GetQueueUrl + GetQueueAttributes on every queue and DLQ of
  # messaging.json, SNS GetTopicAttributes, EventBridge DescribeEventBus, S3
  # HeadBucket (s3:ListBucket); --worker sends a heartbeat to the default queue.
  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "DoctorQueues"
      actions   = ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = concat(local.all_queue_arns, local.all_dlq_arns)
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "DoctorTopic"
      actions   = ["sns:GetTopicAttributes"]
      resources = [var.order_events_topic_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "DoctorEventBus"
      actions   = ["events:DescribeEventBus"]
      resources = [var.event_bus_arn]
    }
  }

  # manage.py redrive_dead_letters <queue>: ReceiveMessage + DeleteMessage(Batch) on
  # the DLQ, SendMessage(Batch) to the source queue (Celery or channel queue).
  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "RedriveReadDeadLetters"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
      resources = local.all_dlq_arns
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "RedriveSendToSource"
      actions   = ["sqs:SendMessage"]
      resources = local.all_queue_arns
    }
  }

  # manage.py ensure_staff_user reads the staff-user secret.
  dynamic "statement" {
    for_each = each.value.kind == "ops" ? [1] : []
    content {
      sid       = "ReadStaffUserSecret"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [aws_secretsmanager_secret.this["staff-user"].arn]
    }
  }

  # Media: web manages catalog images (whole bucket); the worker writes private
  # documents (invoices) under private/; notification consumers may read private/.
  dynamic "statement" {
    for_each = each.value.kind == "web" ? [1] : []
    content {
      sid       = "MediaReadWrite"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${var.media_bucket_arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = contains(["worker", "steps"], each.value.kind) ? [1] : []
    content {
      sid       = "PrivateMediaReadWrite"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${var.media_bucket_arn}/private/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "consumer" ? [1] : []
    content {
      sid       = "PrivateMediaRead"
      actions   = ["s3:GetObject"]
      resources = ["${var.media_bucket_arn}/private/*"]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker", "steps", "ops"], each.value.kind) ? [1] : []
    content {
      sid       = "ListMedia"
      actions   = ["s3:ListBucket"]
      resources = [var.media_bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker", "steps", "consumer"], each.value.kind) ? [1] : []
    content {
      sid       = "MediaKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.media_kms_key_arn]
    }
  }

  # The cluster key: ECS Exec sessions, and the staff-user secret ops reads. The exec
  # audit log follows (the ssmmessages channel is in
  # the exec policy below).
  dynamic "statement" {
    for_each = var.enable_execute_command || each.value.kind == "ops" ? [1] : []
    content {
      sid       = "ClusterKey"
      actions   = ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = var.enable_execute_command ? [1] : []
    content {
      sid       = "ExecAuditLog"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      resources = ["${var.exec_audit_log_group_arn}:*"]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = local.task_definitions

  name   = "${each.key}-least-privilege"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task[each.key].json
}

# Actions that cannot be scoped to a resource, in one document with the reason.
data "aws_iam_policy_document" "unscoped" {
  #checkov:skip=CKV_AWS_356:These actions are granted on "*" as AWS documents them: X-Ray trace upload and sampling, the ssmmessages channels and logs:DescribeLogGroups of ECS Exec (the write actions of Exec's audit log are scoped in the task policy).
  #checkov:skip=CKV_AWS_111:Same statements: X-Ray PutTraceSegments/PutTelemetryRecords and the ssmmessages channel actions have no resource type to scope to.
  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.enable_execute_command ? [1] : []
    content {
      sid = "ExecChannel"
      actions = [
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
        "logs:DescribeLogGroups",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "unscoped" {
  for_each = local.task_definitions

  name   = "traces-and-exec"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.unscoped.json
}

# SMS goes straight to phone numbers through SNS: such a Publish has no resource ARN.
data "aws_iam_policy_document" "sms" {
  #checkov:skip=CKV_AWS_356:SNS Publish to a phone number (SMS) has no resource ARN to scope to; topic publishing is denied below.
  #checkov:skip=CKV_AWS_111:Same statement: SMS Publish cannot be constrained by resource; topic publishing is denied below.
  statement {
    sid       = "SendSms"
    actions   = ["sns:Publish"]
    resources = ["*"]
  }

  statement {
    sid       = "NoTopicPublishing"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = ["arn:${local.partition}:sns:*:*:*"]
  }
}

resource "aws_iam_role_policy" "sms" {
  for_each = { for k, s in local.services : k => s if s.kind == "consumer" && endswith(k, "-sms") }

  name   = "send-sms"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.sms.json
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  m          = var.messaging
  account_id = data.aws_caller_identity.current.account_id

  # Every queue the app uses, keyed by its name in messaging.json.
  queues = merge(
    { for k, v in local.m.celery_queues : k => { visibility_timeout = v.visibility_timeout, channel = false } },
    { for k, v in local.m.channel_queues : k => { visibility_timeout = v.visibility_timeout, channel = true } },
    # Step Functions sends each fulfilment step here (FULFILMENT_ENGINE=stepfunctions).
    { (local.m.fulfilment_steps_queue.name) = { visibility_timeout = local.m.fulfilment_steps_queue.visibility_timeout, channel = false } },
  )

  topic_name           = "${var.queue_prefix}${local.m.order_events_topic}"
  target_dlq_name      = "${var.name}-eventbridge-targets${local.m.dlq_suffix}"
  event_bus_name       = "${local.m.event_bus}-${var.environment}"
  analytics_log_group  = "/aws/events/${var.name}-order-events"
  analytics_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${local.account_id}:log-group:${local.analytics_log_group}"
  topic_arn_predictive = "arn:${data.aws_partition.current.partition}:sns:${data.aws_region.current.name}:${local.account_id}:${local.topic_name}"
}

################################################################################
# Encryption key: SQS, SNS and the analytics log group
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} messaging (SQS, SNS, EventBridge analytics log)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # SNS must encrypt what it delivers into the encrypted queues.
        Sid       = "SnsDelivery"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        # EventBridge writes undeliverable events into the encrypted target DLQ.
        Sid       = "EventBridgeTargetDlq"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.name}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.analytics_group_arn } }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-messaging"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# SQS: one queue per Celery workload and per notification channel, each with a DLQ
################################################################################

resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                              = "${var.queue_prefix}${each.key}${local.m.dlq_suffix}"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  tags = merge(var.tags, { Queue = each.key, Role = "dead-letter" })
}

resource "aws_sqs_queue" "this" {
  for_each = local.queues

  name                              = "${var.queue_prefix}${each.key}"
  visibility_timeout_seconds        = each.value.visibility_timeout
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = local.m.max_receive_count
  })

  tags = merge(var.tags, { Queue = each.key, Role = each.value.channel ? "notification-channel" : "celery" })
}

# A DLQ accepts dead letters from its own source queue only.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

data "aws_iam_policy_document" "queue" {
  for_each = local.queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.this[each.key].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Channel queues accept messages from the order-events topic and nothing else.
  dynamic "statement" {
    for_each = each.value.channel ? [1] : []

    content {
      sid       = "AllowOrderEventsTopicOnly"
      effect    = "Allow"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.this[each.key].arn]

      principals {
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [aws_sns_topic.this.arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = local.queues

  queue_url = aws_sqs_queue.this[each.key].id
  policy    = data.aws_iam_policy_document.queue[each.key].json
}

data "aws_iam_policy_document" "dlq" {
  for_each = local.queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.dlq[each.key].arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  policy    = data.aws_iam_policy_document.dlq[each.key].json
}

################################################################################
# SNS: order-events topic fanned out to one queue per notification channel
################################################################################

resource "aws_sns_topic" "this" {
  name              = local.topic_name
  kms_master_key_id = aws_kms_key.this.arn

  tags = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "OwnerAccountOnly"
    effect    = "Allow"
    actions   = ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic"]
    resources = [local.topic_arn_predictive]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [local.topic_arn_predictive]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "channel" {
  for_each = local.m.channel_queues

  topic_arn            = aws_sns_topic.this.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.this[each.key].arn
  raw_message_delivery = true

  # The publisher sets the message attribute event_type (e.g. "order.shipped").
  filter_policy_scope = "MessageAttributes"
  filter_policy       = jsonencode({ event_type = each.value.event_types })

  depends_on = [aws_sqs_queue_policy.this]
}

################################################################################
# EventBridge: order events bus, analytics rule into a log group
################################################################################

resource "aws_cloudwatch_event_bus" "this" {
  name = local.event_bus_name

  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "order_events" {
  name           = "${var.name}-order-events-analytics"
  description    = "All order events from the app, kept for analytics"
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern  = jsonencode({ source = [local.m.event_source] })

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "analytics" {
  name              = local.analytics_log_group
  retention_in_days = var.analytics_log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

data "aws_iam_policy_document" "analytics" {
  statement {
    sid       = "EventBridgeToLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.analytics.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.order_events.arn]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "analytics" {
  policy_name     = "${var.name}-order-events-analytics"
  policy_document = data.aws_iam_policy_document.analytics.json
}

resource "aws_cloudwatch_event_target" "analytics" {
  rule           = aws_cloudwatch_event_rule.order_events.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "analytics-log"
  arn            = aws_cloudwatch_log_group.analytics.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  # Events still undelivered after the retries land here (alarmed by observability).
  dead_letter_config {
    arn = aws_sqs_queue.event_target_dlq.arn
  }
}

# Every event on the bus is archived, so a lost or broken consumer can be replayed
# (aws events start-replay) within the retention.
resource "aws_cloudwatch_event_archive" "this" {
  name             = substr("${var.name}-order-events", 0, 48)
  description      = "All events of ${local.event_bus_name}, for replay"
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.event_archive_retention_days
}

resource "aws_sqs_queue" "event_target_dlq" {
  name                              = local.target_dlq_name
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300

  tags = merge(var.tags, { Role = "eventbridge-target-dead-letter" })
}

data "aws_iam_policy_document" "event_target_dlq" {
  statement {
    sid       = "EventBridgeRuleOnly"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.event_target_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.order_events.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.event_target_dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "event_target_dlq" {
  queue_url = aws_sqs_queue.event_target_dlq.id
  policy    = data.aws_iam_policy_document.event_target_dlq.json
}

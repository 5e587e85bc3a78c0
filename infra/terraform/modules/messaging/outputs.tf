output "queue_prefix" {
  description = "SQS_QUEUE_PREFIX for the app."
  value       = var.queue_prefix
}

output "queue_names" {
  description = "Full SQS queue names, keyed by messaging.json key."
  value       = try({ for k, q in aws_sqs_queue.this : k => q.name }, {})
}

output "queue_arns" {
  description = "SQS queue ARNs, keyed by messaging.json key."
  value       = try({ for k, q in aws_sqs_queue.this : k => q.arn }, {})
}

output "celery_queue_arns" {
  description = "ARNs of the Celery work queues, keyed by name."
  value       = try({ for k in keys(var.messaging.celery_queues) : k => aws_sqs_queue.this[k].arn }, {})
}

output "channel_queue_arns" {
  description = "ARNs of the notification channel queues, keyed by name (e.g. notifications-email)."
  value       = try({ for k in keys(var.messaging.channel_queues) : k => aws_sqs_queue.this[k].arn }, {})
}

output "dlq_names" {
  description = "Full dead-letter queue names, keyed by the source queue's key."
  value       = try({ for k, q in aws_sqs_queue.dlq : k => q.name }, {})
}

output "dlq_arns" {
  description = "Dead-letter queue ARNs, keyed by the source queue's key."
  value       = try({ for k, q in aws_sqs_queue.dlq : k => q.arn }, {})
}

output "order_events_topic_arn" {
  description = "SNS_ORDER_EVENTS_TOPIC_ARN for the app."
  value       = try(aws_sns_topic.this.arn, null)
}

output "event_bus_name" {
  description = "EVENT_BUS_NAME for the app."
  value       = try(aws_cloudwatch_event_bus.this.name, null)
}

output "event_bus_arn" {
  description = "ARN of the EventBridge bus."
  value       = try(aws_cloudwatch_event_bus.this.arn, null)
}

output "kms_key_arn" {
  description = "KMS key of the queues and topic (senders and receivers need kms:GenerateDataKey/Decrypt on it)."
  value       = try(aws_kms_key.this.arn, null)
}

output "event_target_dlq_name" {
  description = "Name of the dead-letter queue of the EventBridge rule targets."
  value       = try(aws_sqs_queue.event_target_dlq.name, null)
}

output "event_target_dlq_arn" {
  description = "ARN of the dead-letter queue of the EventBridge rule targets."
  value       = try(aws_sqs_queue.event_target_dlq.arn, null)
}

output "event_archive_name" {
  description = "EventBridge archive of the order-events bus (replay source)."
  value       = try(aws_cloudwatch_event_archive.this.name, null)
}

output "queue_urls" {
  description = "Work queue URLs by messaging.json key (the state machine's fulfilment-steps QueueUrl)."
  value       = try({ for k, q in aws_sqs_queue.this : k => q.url }, {})
}

variable "name" {
  description = "Name prefix for non-queue resources (KMS alias, log group), e.g. securecart-prod."
  type        = string
}

variable "environment" {
  description = "Environment name (staging, production); suffixes the EventBridge bus name."
  type        = string
}

variable "queue_prefix" {
  description = "SQS_QUEUE_PREFIX of the app: full queue name = prefix + key of securecart/messaging.json."
  type        = string
}

variable "messaging" {
  description = "Decoded securecart/messaging.json, the one source of truth for queue, topic and bus names (pass jsondecode(file(...)))."
  type = object({
    dlq_suffix        = string
    max_receive_count = number
    celery_queues = map(object({
      visibility_timeout = number
    }))
    order_events_topic = string
    event_bus          = string
    event_source       = string
    channel_queues = map(object({
      visibility_timeout = number
      event_types        = list(string)
    }))
  })
}

variable "message_retention_seconds" {
  description = "How long a message stays in a work queue."
  type        = number
  default     = 345600 # 4 days
}

variable "dlq_message_retention_seconds" {
  description = "How long a message stays in a dead-letter queue (time for an operator to redrive)."
  type        = number
  default     = 1209600 # 14 days, the SQS maximum
}

variable "analytics_log_retention_in_days" {
  description = "Retention of the log group that receives order events from EventBridge."
  type        = number
  default     = 400
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

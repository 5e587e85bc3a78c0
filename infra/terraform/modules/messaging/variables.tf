variable "name" {
  description = "Name prefix for non-queue resources (KMS alias, log group), e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (staging, production); suffixes the EventBridge bus name."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "queue_prefix" {
  description = "SQS_QUEUE_PREFIX of the app: full queue name = prefix + key of securecart/messaging.json."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.queue_prefix))
    error_message = "queue_prefix may only hold letters, digits, hyphens and underscores (SQS names)."
  }
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
    fulfilment_steps_queue = object({
      name               = string
      visibility_timeout = number
    })
    order_tracking_table = string
  })

  validation {
    condition     = length(var.messaging.celery_queues) > 0 && var.messaging.max_receive_count >= 1
    error_message = "messaging.json must define Celery queues and a max_receive_count of at least 1."
  }
}

variable "message_retention_seconds" {
  description = "How long a message stays in a work queue."
  type        = number
  default     = 345600 # 4 days

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (SQS limits)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long a message stays in a dead-letter queue (time for an operator to redrive)."
  type        = number
  default     = 1209600 # 14 days, the SQS maximum

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600 (SQS limits)."
  }
}

variable "analytics_log_retention_in_days" {
  description = "Retention of the log group that receives order events from EventBridge."
  type        = number
  default     = 400

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.analytics_log_retention_in_days)
    error_message = "analytics_log_retention_in_days must be a retention CloudWatch Logs accepts."
  }
}

variable "event_archive_retention_days" {
  description = "Days the EventBridge archive keeps every order event for replay (0 = forever)."
  type        = number
  default     = 30

  validation {
    condition     = var.event_archive_retention_days >= 0
    error_message = "event_archive_retention_days must be 0 (forever) or more."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 and values at most 256 characters."
  }
}

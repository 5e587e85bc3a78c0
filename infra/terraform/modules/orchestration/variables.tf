variable "name" {
  description = "Name prefix, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "fulfilment_engine" {
  description = "FULFILMENT_ENGINE of the app: celery creates no state machine, stepfunctions does."
  type        = string

  validation {
    condition     = contains(["celery", "stepfunctions"], var.fulfilment_engine)
    error_message = "fulfilment_engine must be celery or stepfunctions."
  }
}

variable "steps_queue_arn" {
  description = "ARN of the fulfilment-steps queue the state machine sends each worker step to (messaging module)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:sqs:", var.steps_queue_arn))
    error_message = "steps_queue_arn must be an SQS queue ARN."
  }
}

variable "steps_queue_url" {
  description = "URL of the same queue (the state machine's QueueUrl)."
  type        = string

  validation {
    condition     = can(regex("^https://", var.steps_queue_url))
    error_message = "steps_queue_url must be an https URL."
  }
}

variable "messaging_kms_key_arn" {
  description = "KMS key of the queues: the state machine encrypts the messages it sends."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:kms:", var.messaging_kms_key_arn))
    error_message = "messaging_kms_key_arn must be a KMS key ARN."
  }
}

variable "alarm_topic_arn" {
  description = "SNS topic the alarms notify (observability module)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:sns:", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the state machine's and the fraud function's log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention value."
  }
}

variable "fraud_function" {
  description = "Fraud Lambda: memory (MB), timeout (s) and reserved concurrency (its share of the account's concurrency, and its ceiling)."
  type = object({
    memory_size          = number
    timeout              = number
    reserved_concurrency = number
  })
  default = {
    memory_size          = 256
    timeout              = 10
    reserved_concurrency = 20
  }

  validation {
    condition     = var.fraud_function.memory_size >= 128 && var.fraud_function.memory_size <= 10240 && var.fraud_function.timeout >= 1 && var.fraud_function.timeout <= 60 && var.fraud_function.reserved_concurrency >= 1
    error_message = "fraud_function needs 128-10240 MB, a 1-60 s timeout and at least 1 reserved concurrent execution."
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

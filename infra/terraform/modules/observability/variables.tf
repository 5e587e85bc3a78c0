variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "services" {
  description = "ECS task definitions (services and ops) that get a log group (/ecs/<name>/<key>)."
  type        = list(string)

  validation {
    condition     = length(var.services) > 0
    error_message = "services must not be empty."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the application log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs accepts."
  }
}

variable "logs_bucket_expiration_days" {
  description = "Days after which access logs (ALB, CloudFront, S3) are deleted from the logs bucket."
  type        = number
  default     = 400

  validation {
    condition     = var.logs_bucket_expiration_days >= 90
    error_message = "Keep access logs at least 90 days."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@ ]+@[^@ ]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "alb_arn_suffix" {
  description = "arn_suffix of the Application Load Balancer."
  type        = string

  validation {
    condition     = startswith(var.alb_arn_suffix, "app/")
    error_message = "alb_arn_suffix must be an ALB arn_suffix (app/...)."
  }
}

variable "target_group_arn_suffix" {
  description = "arn_suffix of the web target group."
  type        = string

  validation {
    condition     = startswith(var.target_group_arn_suffix, "targetgroup/")
    error_message = "target_group_arn_suffix must be a target group arn_suffix (targetgroup/...)."
  }
}

variable "alb_5xx_rate_threshold" {
  description = "Alarm when more than this percentage of requests end in a target 5xx."
  type        = number
  default     = 1

  validation {
    condition     = var.alb_5xx_rate_threshold > 0 && var.alb_5xx_rate_threshold <= 100
    error_message = "alb_5xx_rate_threshold is a percentage."
  }
}

variable "alb_p99_latency_threshold" {
  description = "Alarm when the p99 target response time exceeds this many seconds."
  type        = number
  default     = 1.5

  validation {
    condition     = var.alb_p99_latency_threshold > 0
    error_message = "alb_p99_latency_threshold must be positive."
  }
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  type        = string

  validation {
    condition     = length(var.ecs_cluster_name) > 0
    error_message = "ecs_cluster_name must not be empty."
  }
}

variable "ecs_services" {
  description = "ECS services to watch, keyed by short name: full service name and the minimum number of running tasks."
  type = map(object({
    name        = string
    min_running = number
  }))

  validation {
    condition     = alltrue([for s in values(var.ecs_services) : s.min_running >= 1])
    error_message = "Every watched service needs min_running >= 1."
  }
}

variable "queue_names" {
  description = "Full SQS work queue names, keyed by messaging.json key (alarm on the age of the oldest message)."
  type        = map(string)

  validation {
    condition     = length(var.queue_names) > 0
    error_message = "queue_names must not be empty."
  }
}

variable "dlq_names" {
  description = "Full dead-letter queue names, keyed by source queue key, plus the EventBridge target DLQ (alarm when anything lands there)."
  type        = map(string)

  validation {
    condition     = length(var.dlq_names) > 0
    error_message = "dlq_names must not be empty."
  }
}

variable "queue_age_threshold_seconds" {
  description = "Alarm when the oldest message of a work queue is older than this."
  type        = number
  default     = 900

  validation {
    condition     = var.queue_age_threshold_seconds >= 60
    error_message = "queue_age_threshold_seconds must be at least 60."
  }
}

variable "app_metrics_namespace" {
  description = "CloudWatch namespace of the app's EMF metrics (SECURECART_METRICS_NAMESPACE)."
  type        = string
  default     = "SecureCart"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_.-]{1,255}$", var.app_metrics_namespace))
    error_message = "app_metrics_namespace must be a CloudWatch namespace."
  }
}

variable "outbox_lag_threshold_seconds" {
  description = "Alarm when the oldest unpublished outbox event is older than this."
  type        = number
  default     = 300

  validation {
    condition     = var.outbox_lag_threshold_seconds >= 60
    error_message = "outbox_lag_threshold_seconds must be at least 60 (the gauge is written every minute)."
  }
}

variable "db_instance_identifier" {
  description = "Identifier of the RDS primary."
  type        = string

  validation {
    condition     = length(var.db_instance_identifier) > 0
    error_message = "db_instance_identifier must not be empty."
  }
}

variable "db_replica_identifiers" {
  description = "Identifiers of the RDS read replicas."
  type        = list(string)

  validation {
    condition     = alltrue([for d in var.db_replica_identifiers : length(d) > 0])
    error_message = "db_replica_identifiers must not hold empty names."
  }
}

variable "replica_lag_threshold_seconds" {
  description = "Alarm when a read replica lags more than this many seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.replica_lag_threshold_seconds > 0
    error_message = "replica_lag_threshold_seconds must be positive."
  }
}

variable "redis_replication_group_id" {
  description = "ID of the Redis replication group."
  type        = string

  validation {
    condition     = length(var.redis_replication_group_id) > 0
    error_message = "redis_replication_group_id must not be empty."
  }
}

variable "redis_num_cache_clusters" {
  description = "Number of nodes of the Redis replication group (their IDs are <group>-001, -002, ...)."
  type        = number

  validation {
    condition     = var.redis_num_cache_clusters >= 1
    error_message = "redis_num_cache_clusters must be at least 1."
  }
}

variable "environment" {
  description = "Environment name: the Environment dimension of the app's EMF metrics (SECURECART_ENVIRONMENT)."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "cloudfront_distribution_id" {
  description = "ID of the site distribution (CloudFront 5xx-rate alarm, in us-east-1)."
  type        = string

  validation {
    condition     = can(regex("^E[A-Z0-9]+$", var.cloudfront_distribution_id))
    error_message = "cloudfront_distribution_id must be a CloudFront distribution ID (E...)."
  }
}

variable "cloudfront_5xx_rate_threshold" {
  description = "Alarm when more than this percentage of viewer requests end in a 5xx."
  type        = number
  default     = 1

  validation {
    condition     = var.cloudfront_5xx_rate_threshold > 0 && var.cloudfront_5xx_rate_threshold <= 100
    error_message = "cloudfront_5xx_rate_threshold is a percentage."
  }
}

variable "rds_cpu_threshold" {
  description = "Alarm when an RDS instance's CPU stays above this percentage."
  type        = number
  default     = 80

  validation {
    condition     = var.rds_cpu_threshold > 0 && var.rds_cpu_threshold <= 100
    error_message = "rds_cpu_threshold is a percentage."
  }
}

variable "rds_free_storage_threshold_gib" {
  description = "Alarm when an RDS instance has less free storage than this, in GiB."
  type        = number
  default     = 10

  validation {
    condition     = var.rds_free_storage_threshold_gib > 0
    error_message = "rds_free_storage_threshold_gib must be positive."
  }
}

variable "rds_freeable_memory_threshold_mib" {
  description = "Alarm when an RDS instance has less freeable memory than this, in MiB."
  type        = number
  default     = 256

  validation {
    condition     = var.rds_freeable_memory_threshold_mib > 0
    error_message = "rds_freeable_memory_threshold_mib must be positive."
  }
}

variable "rds_connections_threshold" {
  description = "Alarm when an RDS instance holds more connections than this (keep below its max_connections)."
  type        = number
  default     = 300

  validation {
    condition     = var.rds_connections_threshold > 0
    error_message = "rds_connections_threshold must be positive."
  }
}

variable "redis_cpu_threshold" {
  description = "Alarm when a Redis node's engine CPU stays above this percentage."
  type        = number
  default     = 80

  validation {
    condition     = var.redis_cpu_threshold > 0 && var.redis_cpu_threshold <= 100
    error_message = "redis_cpu_threshold is a percentage."
  }
}

variable "redis_memory_threshold" {
  description = "Alarm when a Redis node uses more than this percentage of its memory."
  type        = number
  default     = 80

  validation {
    condition     = var.redis_memory_threshold > 0 && var.redis_memory_threshold <= 100
    error_message = "redis_memory_threshold is a percentage."
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

variable "dynamodb_table_names" {
  description = "DynamoDB tables to alarm on throttled reads and writes, keyed by a short label."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for t in values(var.dynamodb_table_names) : can(regex("^[a-zA-Z0-9_.-]{3,255}$", t))])
    error_message = "dynamodb_table_names values must be DynamoDB table names."
  }
}

variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string
}

variable "services" {
  description = "ECS services that get a log group (/ecs/<name>/<service>)."
  type        = list(string)
}

variable "log_retention_in_days" {
  description = "Retention of the application log groups, in days."
  type        = number
  default     = 365
}

variable "logs_bucket_expiration_days" {
  description = "Days after which access logs (ALB, CloudFront, S3) are deleted from the logs bucket."
  type        = number
  default     = 400
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "alb_arn_suffix" {
  description = "arn_suffix of the Application Load Balancer."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "arn_suffix of the web target group."
  type        = string
}

variable "alb_5xx_rate_threshold" {
  description = "Alarm when more than this percentage of requests end in a target 5xx."
  type        = number
  default     = 1
}

variable "alb_p99_latency_threshold" {
  description = "Alarm when the p99 target response time exceeds this many seconds."
  type        = number
  default     = 1.5
}

variable "ecs_cluster_name" {
  description = "Name of the ECS cluster."
  type        = string
}

variable "ecs_services" {
  description = "ECS services to watch, keyed by short name: full service name and the minimum number of running tasks."
  type = map(object({
    name        = string
    min_running = number
  }))
}

variable "queue_names" {
  description = "Full SQS work queue names, keyed by messaging.json key (alarm on the age of the oldest message)."
  type        = map(string)
}

variable "dlq_names" {
  description = "Full dead-letter queue names, keyed by source queue key (alarm when anything lands there)."
  type        = map(string)
}

variable "queue_age_threshold_seconds" {
  description = "Alarm when the oldest message of a work queue is older than this."
  type        = number
  default     = 900
}

variable "app_metrics_namespace" {
  description = "CloudWatch namespace of the app's EMF metrics (SECURECART_METRICS_NAMESPACE)."
  type        = string
  default     = "SecureCart"
}

variable "outbox_lag_threshold_seconds" {
  description = "Alarm when the oldest unpublished outbox event is older than this."
  type        = number
  default     = 300
}

variable "db_instance_identifier" {
  description = "Identifier of the RDS primary."
  type        = string
}

variable "db_replica_identifiers" {
  description = "Identifiers of the RDS read replicas."
  type        = list(string)
}

variable "replica_lag_threshold_seconds" {
  description = "Alarm when a read replica lags more than this many seconds."
  type        = number
  default     = 30
}

variable "redis_replication_group_id" {
  description = "ID of the Redis replication group."
  type        = string
}

variable "redis_num_cache_clusters" {
  description = "Number of nodes of the Redis replication group (their IDs are <group>-001, -002, ...)."
  type        = number
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

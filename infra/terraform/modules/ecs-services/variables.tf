variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (SECURECART_ENVIRONMENT of the tasks; the Environment dimension of the app's metrics)."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC (tasks reach PostgreSQL and Redis inside it)."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr_block, 0))
    error_message = "vpc_cidr_block must be a valid CIDR."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks, in at least two AZs."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Tasks need subnets in at least two AZs."
  }
}

variable "cluster_id" {
  description = "ID of the ECS cluster (ecs-cluster module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.cluster_id))
    error_message = "cluster_id must be an ARN."
  }
}

variable "cluster_name" {
  description = "Name of the ECS cluster (autoscaling resource IDs, metrics)."
  type        = string

  validation {
    condition     = length(var.cluster_name) > 0
    error_message = "cluster_name must not be empty."
  }
}

variable "kms_key_arn" {
  description = "Cluster KMS key (ecs-cluster output): ECR, app secrets, ECS Exec sessions."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.kms_key_arn))
    error_message = "kms_key_arn must be an ARN."
  }
}

variable "exec_audit_log_group_arn" {
  description = "Log group of the ECS Exec audit log (ecs-cluster output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.exec_audit_log_group_arn))
    error_message = "exec_audit_log_group_arn must be an ARN."
  }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the service tasks (sessions are encrypted and logged by the cluster)."
  type        = bool
  default     = true

  validation {
    condition     = var.enable_execute_command != null
    error_message = "enable_execute_command must be true or false."
  }
}

variable "ec2_spot_capacity_provider" {
  description = "EC2 Spot capacity provider for the worker (ecs-cluster output); null keeps the worker on Fargate Spot."
  type        = string
  default     = null

  validation {
    condition     = var.ec2_spot_capacity_provider == null || can(regex("^[a-zA-Z0-9_-]+$", var.ec2_spot_capacity_provider))
    error_message = "ec2_spot_capacity_provider must be a capacity provider name or null."
  }
}

variable "spot_on_demand_base" {
  description = "Tasks of each Spot service (worker, notification consumers) that always run on on-demand Fargate; the rest go to Fargate Spot."
  type        = number
  default     = 0

  validation {
    condition     = var.spot_on_demand_base >= 0
    error_message = "spot_on_demand_base must not be negative."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer (alb module output)."
  type        = string

  validation {
    condition     = can(regex("^sg-", var.alb_security_group_id))
    error_message = "alb_security_group_id must be a security group ID."
  }
}

variable "target_group_arn" {
  description = "Target group of the web service (alb module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.target_group_arn))
    error_message = "target_group_arn must be an ARN."
  }
}

variable "alb_arn_suffix" {
  description = "arn_suffix of the load balancer (request-count scaling)."
  type        = string

  validation {
    condition     = startswith(var.alb_arn_suffix, "app/")
    error_message = "alb_arn_suffix must be an ALB arn_suffix (app/...)."
  }
}

variable "target_group_arn_suffix" {
  description = "arn_suffix of the web target group (request-count scaling)."
  type        = string

  validation {
    condition     = startswith(var.target_group_arn_suffix, "targetgroup/")
    error_message = "target_group_arn_suffix must be a target group arn_suffix (targetgroup/...)."
  }
}

variable "allowed_hosts" {
  description = "DJANGO_ALLOWED_HOSTS: host names the app answers to."
  type        = list(string)

  validation {
    condition     = length(var.allowed_hosts) > 0
    error_message = "allowed_hosts must not be empty."
  }
}

variable "site_hosts" {
  description = "Public host names of the shop (DJANGO_CSRF_TRUSTED_ORIGINS = https://<each>)."
  type        = list(string)

  validation {
    condition     = length(var.site_hosts) > 0
    error_message = "site_hosts must not be empty."
  }
}

variable "trusted_proxy_count" {
  description = "TRUSTED_PROXY_COUNT: proxies that append to X-Forwarded-For in front of the app. CloudFront (appends the viewer) + ALB (appends the CloudFront edge) = 2."
  type        = number
  default     = 2

  validation {
    condition     = var.trusted_proxy_count >= 1 && var.trusted_proxy_count <= 3
    error_message = "trusted_proxy_count must be 1-3 (the app always sits behind the ALB)."
  }
}

variable "payment_gateway" {
  description = "PAYMENT_GATEWAY: a name of orders.payments.GATEWAYS or a dotted class path."
  type        = string
  default     = "test"

  validation {
    condition     = length(var.payment_gateway) > 0
    error_message = "payment_gateway must not be empty."
  }
}

variable "image_tag" {
  description = "Tag of the app image in this module's ECR repository (immutable: one per build, the git SHA)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid Docker tag and not 'latest' (tags are immutable: use the git SHA)."
  }
}

variable "queue_prefix" {
  description = "SQS_QUEUE_PREFIX (messaging module output)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,40}$", var.queue_prefix))
    error_message = "queue_prefix may only hold letters, digits, hyphens and underscores."
  }
}

variable "celery_queues" {
  description = "Celery queue keys from messaging.json; the worker consumes all of them."
  type        = list(string)

  validation {
    condition     = length(var.celery_queues) > 0
    error_message = "At least one Celery queue is required."
  }
}

variable "channel_queues" {
  description = "Notification channel queue keys from messaging.json (notifications-<channel>); one consumer service each."
  type        = list(string)

  validation {
    condition     = alltrue([for q in var.channel_queues : startswith(q, "notifications-")])
    error_message = "Channel queue keys must start with notifications- (the consumer's --channel is derived from them)."
  }
}

variable "queue_names" {
  description = "Full SQS queue names keyed by messaging.json key (messaging module output)."
  type        = map(string)

  validation {
    condition     = length(var.queue_names) > 0
    error_message = "queue_names must not be empty."
  }
}

variable "queue_arns" {
  description = "SQS queue ARNs keyed by messaging.json key (messaging module output)."
  type        = map(string)

  validation {
    condition     = alltrue([for a in values(var.queue_arns) : can(regex("^arn:", a))])
    error_message = "queue_arns must hold ARNs."
  }
}

variable "dlq_arns" {
  description = "Dead-letter queue ARNs keyed by source queue key (messaging module output); the ops role redrives them."
  type        = map(string)

  validation {
    condition     = alltrue([for a in values(var.dlq_arns) : can(regex("^arn:", a))])
    error_message = "dlq_arns must hold ARNs."
  }
}

variable "order_events_topic_arn" {
  description = "SNS_ORDER_EVENTS_TOPIC_ARN (messaging module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.order_events_topic_arn))
    error_message = "order_events_topic_arn must be an ARN."
  }
}

variable "event_bus_name" {
  description = "EVENT_BUS_NAME (messaging module output)."
  type        = string

  validation {
    condition     = length(var.event_bus_name) > 0
    error_message = "event_bus_name must not be empty."
  }
}

variable "event_bus_arn" {
  description = "ARN of the EventBridge bus (messaging module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.event_bus_arn))
    error_message = "event_bus_arn must be an ARN."
  }
}

variable "messaging_kms_key_arn" {
  description = "KMS key of the queues and topic."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.messaging_kms_key_arn))
    error_message = "messaging_kms_key_arn must be an ARN."
  }
}

variable "database_url_secret_arn" {
  description = "Secret holding DATABASE_URL (data module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.database_url_secret_arn))
    error_message = "database_url_secret_arn must be an ARN."
  }
}

variable "database_replica_urls_secret_arn" {
  description = "Secret holding DATABASE_REPLICA_URLS (data module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.database_replica_urls_secret_arn))
    error_message = "database_replica_urls_secret_arn must be an ARN."
  }
}

variable "redis_url_secret_arn" {
  description = "Secret holding REDIS_URL (data module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.redis_url_secret_arn))
    error_message = "redis_url_secret_arn must be an ARN."
  }
}

variable "cloudfront_key_secret_arn" {
  description = "Secret holding AWS_CLOUDFRONT_KEY, the PEM private key for signed URLs (edge module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.cloudfront_key_secret_arn))
    error_message = "cloudfront_key_secret_arn must be an ARN."
  }
}

variable "secret_kms_key_arns" {
  description = "KMS keys of the secrets read by the task execution role (data and edge modules)."
  type        = list(string)

  validation {
    condition     = alltrue([for a in var.secret_kms_key_arns : can(regex("^arn:", a))])
    error_message = "secret_kms_key_arns must hold ARNs."
  }
}

variable "media_bucket_name" {
  description = "AWS_STORAGE_BUCKET_NAME (edge module output)."
  type        = string

  validation {
    condition     = length(var.media_bucket_name) >= 3
    error_message = "media_bucket_name must be a bucket name."
  }
}

variable "media_bucket_arn" {
  description = "ARN of the media bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.media_bucket_arn))
    error_message = "media_bucket_arn must be an ARN."
  }
}

variable "media_kms_key_arn" {
  description = "KMS key of the media bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.media_kms_key_arn))
    error_message = "media_kms_key_arn must be an ARN."
  }
}

variable "cloudfront_domain" {
  description = "CLOUDFRONT_DOMAIN serving media (edge module output)."
  type        = string

  validation {
    condition     = length(var.cloudfront_domain) > 0
    error_message = "cloudfront_domain must not be empty."
  }
}

variable "cloudfront_key_id" {
  description = "AWS_CLOUDFRONT_KEY_ID, the CloudFront public key ID for signed URLs (edge module output)."
  type        = string

  validation {
    condition     = length(var.cloudfront_key_id) > 0
    error_message = "cloudfront_key_id must not be empty."
  }
}

variable "log_group_names" {
  description = "CloudWatch log group per task definition: the services and ops (observability module output)."
  type        = map(string)

  validation {
    condition     = contains(keys(var.log_group_names), "ops") && contains(keys(var.log_group_names), "web")
    error_message = "log_group_names needs a group for web and ops at least."
  }
}

variable "default_from_email" {
  description = "DEFAULT_FROM_EMAIL (an SES-verified identity)."
  type        = string

  validation {
    condition     = can(regex("@", var.default_from_email))
    error_message = "default_from_email must contain an e-mail address."
  }
}

variable "staff_email" {
  description = "E-mail of the first staff user (put into the staff-user secret that ensure_staff_user reads)."
  type        = string

  validation {
    condition     = can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.staff_email))
    error_message = "staff_email must be an e-mail address."
  }
}

variable "email_host" {
  description = "EMAIL_HOST; empty means the SES SMTP endpoint of the current region."
  type        = string
  default     = ""

  validation {
    condition     = var.email_host == "" || can(regex("^[a-z0-9.-]+$", var.email_host))
    error_message = "email_host must be a host name or empty."
  }
}

variable "metrics_namespace" {
  description = "SECURECART_METRICS_NAMESPACE: CloudWatch namespace of the app's EMF metrics."
  type        = string
  default     = "SecureCart"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_.-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace must be a CloudWatch namespace."
  }
}

variable "otel_exporter_otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT; the default is the ADOT collector sidecar in each task."
  type        = string
  default     = "http://localhost:4317"

  validation {
    condition     = can(regex("^https?://", var.otel_exporter_otlp_endpoint))
    error_message = "otel_exporter_otlp_endpoint must be an http(s) URL."
  }
}

variable "otel_collector_image" {
  description = "Image of the AWS Distro for OpenTelemetry collector sidecar (multi-arch, pinned)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1"

  validation {
    condition     = can(regex(":v[0-9]", var.otel_collector_image))
    error_message = "otel_collector_image must be pinned to a version tag."
  }
}

variable "web" {
  description = "Size of the web service (gunicorn) and its autoscaling range."
  type = object({
    cpu                        = number
    memory                     = number
    gunicorn_workers           = number
    min                        = number
    max                        = number
    cpu_target                 = number
    requests_per_target_target = number
  })
  default = {
    cpu                        = 512
    memory                     = 1024
    gunicorn_workers           = 3
    min                        = 2
    max                        = 10
    cpu_target                 = 60
    requests_per_target_target = 500
  }

  validation {
    condition     = (var.web.cpu == 256 && contains([512, 1024, 2048], var.web.memory)) || (var.web.cpu == 512 && var.web.memory >= 1024 && var.web.memory <= 4096 && var.web.memory % 1024 == 0) || (var.web.cpu == 1024 && var.web.memory >= 2048 && var.web.memory <= 8192 && var.web.memory % 1024 == 0) || (var.web.cpu == 2048 && var.web.memory >= 4096 && var.web.memory <= 16384 && var.web.memory % 1024 == 0) || (var.web.cpu == 4096 && var.web.memory >= 8192 && var.web.memory <= 30720 && var.web.memory % 1024 == 0)
    error_message = "web is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }

  validation {
    condition     = var.web.min >= 1 && var.web.min <= var.web.max
    error_message = "web needs 1 <= min <= max."
  }

  validation {
    condition     = var.web.cpu_target > 0 && var.web.cpu_target <= 100
    error_message = "web.cpu_target is a percentage."
  }
}

variable "worker" {
  description = "Size of the Celery worker service and its autoscaling range (backlog = visible messages per running task)."
  type = object({
    cpu              = number
    memory           = number
    concurrency      = number
    min              = number
    max              = number
    backlog_per_task = number
  })
  default = {
    cpu              = 512
    memory           = 1024
    concurrency      = 4
    min              = 2
    max              = 10
    backlog_per_task = 50
  }

  validation {
    condition     = (var.worker.cpu == 256 && contains([512, 1024, 2048], var.worker.memory)) || (var.worker.cpu == 512 && var.worker.memory >= 1024 && var.worker.memory <= 4096 && var.worker.memory % 1024 == 0) || (var.worker.cpu == 1024 && var.worker.memory >= 2048 && var.worker.memory <= 8192 && var.worker.memory % 1024 == 0) || (var.worker.cpu == 2048 && var.worker.memory >= 4096 && var.worker.memory <= 16384 && var.worker.memory % 1024 == 0) || (var.worker.cpu == 4096 && var.worker.memory >= 8192 && var.worker.memory <= 30720 && var.worker.memory % 1024 == 0)
    error_message = "worker is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }

  validation {
    condition     = var.worker.min >= 1 && var.worker.min <= var.worker.max
    error_message = "worker needs 1 <= min <= max."
  }
}

variable "notifications" {
  description = "Size of each notification consumer service and its autoscaling range."
  type = object({
    cpu              = number
    memory           = number
    min              = number
    max              = number
    backlog_per_task = number
  })
  default = {
    cpu              = 256
    memory           = 512
    min              = 1
    max              = 4
    backlog_per_task = 100
  }

  validation {
    condition     = (var.notifications.cpu == 256 && contains([512, 1024, 2048], var.notifications.memory)) || (var.notifications.cpu == 512 && var.notifications.memory >= 1024 && var.notifications.memory <= 4096 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 1024 && var.notifications.memory >= 2048 && var.notifications.memory <= 8192 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 2048 && var.notifications.memory >= 4096 && var.notifications.memory <= 16384 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 4096 && var.notifications.memory >= 8192 && var.notifications.memory <= 30720 && var.notifications.memory % 1024 == 0)
    error_message = "notifications is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }

  validation {
    condition     = var.notifications.min >= 1 && var.notifications.min <= var.notifications.max
    error_message = "notifications needs 1 <= min <= max."
  }
}

variable "ops" {
  description = "Size of the one-off ops tasks (migrations, doctor, redrive, staff user, reference data)."
  type = object({
    cpu    = number
    memory = number
  })
  default = {
    cpu    = 512
    memory = 1024
  }

  validation {
    condition     = (var.ops.cpu == 256 && contains([512, 1024, 2048], var.ops.memory)) || (var.ops.cpu == 512 && var.ops.memory >= 1024 && var.ops.memory <= 4096 && var.ops.memory % 1024 == 0) || (var.ops.cpu == 1024 && var.ops.memory >= 2048 && var.ops.memory <= 8192 && var.ops.memory % 1024 == 0) || (var.ops.cpu == 2048 && var.ops.memory >= 4096 && var.ops.memory <= 16384 && var.ops.memory % 1024 == 0) || (var.ops.cpu == 4096 && var.ops.memory >= 8192 && var.ops.memory <= 30720 && var.ops.memory % 1024 == 0)
    error_message = "ops is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }
}

variable "sale" {
  description = "A known peak: from warmup_minutes before starts_at (RFC 3339, UTC) until duration_hours after it, each service in min_tasks runs at least that many tasks. starts_at null: no scheduled scaling."
  type = object({
    starts_at      = string
    warmup_minutes = number
    duration_hours = number
    min_tasks      = map(number)
  })
  default = {
    starts_at      = null
    warmup_minutes = 30
    duration_hours = 6
    min_tasks      = {}
  }

  validation {
    condition     = var.sale.starts_at == null || can(timeadd(var.sale.starts_at, "0s"))
    error_message = "sale.starts_at must be an RFC 3339 timestamp such as 2026-11-27T08:00:00Z, or null."
  }

  validation {
    condition     = var.sale.warmup_minutes >= 0 && var.sale.duration_hours > 0
    error_message = "sale needs warmup_minutes >= 0 and duration_hours > 0."
  }

  validation {
    condition     = alltrue([for k, v in var.sale.min_tasks : (k == "web" || k == "worker" || startswith(k, "notifications-")) && v >= 1])
    error_message = "sale.min_tasks keys are autoscaled services (web, worker, notifications-<channel>) with at least one task."
  }
}

variable "api_gateway" {
  description = "API Gateway entry (api-gateway module): whether it exists, the secret of the header it adds (API_GATEWAY_VERIFY_SECRET), that secret's key, and partner name per API key ID (API_GATEWAY_PARTNERS)."
  type = object({
    enabled           = bool
    verify_secret_arn = string
    kms_key_arn       = string
    partners          = map(string)
  })

  validation {
    condition     = !var.api_gateway.enabled || (var.api_gateway.verify_secret_arn != null && var.api_gateway.kms_key_arn != null)
    error_message = "An enabled api_gateway needs verify_secret_arn and kms_key_arn."
  }
}

variable "orchestration" {
  description = "Fulfilment engine and fraud scorer (orchestration module): the app's FULFILMENT_ENGINE, FULFILMENT_STATE_MACHINE_ARN, FRAUD_SCORER, FRAUD_FUNCTION_NAME, the fulfilment-steps queue key, and what the task roles may call."
  type = object({
    fulfilment_engine   = string
    fraud_scorer        = string
    steps_queue         = string
    state_machine_arn   = string
    fraud_function_name = string
    fraud_function_arn  = string
    kms_key_arn         = string
  })
  validation {
    condition     = contains(["celery", "stepfunctions"], var.orchestration.fulfilment_engine) && contains(["inprocess", "lambda"], var.orchestration.fraud_scorer)
    error_message = "orchestration needs fulfilment_engine celery or stepfunctions and fraud_scorer inprocess or lambda."
  }

  validation {
    condition     = (var.orchestration.fulfilment_engine == "celery" || var.orchestration.state_machine_arn != null) && (var.orchestration.fraud_scorer == "inprocess" || var.orchestration.fraud_function_arn != null)
    error_message = "stepfunctions needs state_machine_arn and lambda needs fraud_function_arn (the orchestration module's outputs)."
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

variable "projector" {
  description = "Size of the order tracking projector service and its autoscaling range."
  type = object({
    cpu              = number
    memory           = number
    min              = number
    max              = number
    backlog_per_task = number
  })
  default = {
    cpu              = 256
    memory           = 512
    min              = 1
    max              = 2
    backlog_per_task = 500
  }

  validation {
    condition     = var.projector.cpu == 256 && contains([512, 1024, 2048], var.projector.memory)
    error_message = "projector runs on 256 CPU units with 512, 1024 or 2048 MiB."
  }

  validation {
    condition     = var.projector.min >= 1 && var.projector.min <= var.projector.max
    error_message = "projector needs 1 <= min <= max."
  }
}

variable "projector_queues" {
  description = "The order tracking projector's queue keys from messaging.json (the topic's subscriber queues that are not notification channels)."
  type        = list(string)

  validation {
    condition     = length(var.projector_queues) == 1
    error_message = "projector_queues holds the one order-tracking queue key."
  }
}

variable "order_tracking_store" {
  description = "ORDER_TRACKING_STORE: where the shopper's order page and the order API read (database | dynamodb)."
  type        = string
  default     = "database"

  validation {
    condition     = contains(["database", "dynamodb"], var.order_tracking_store)
    error_message = "order_tracking_store must be database or dynamodb."
  }
}

variable "order_tracking_table_name" {
  description = "ORDER_TRACKING_TABLE (order-tracking module output)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.order_tracking_table_name))
    error_message = "order_tracking_table_name must be a DynamoDB table name."
  }
}

variable "order_tracking_table_arn" {
  description = "ARN of the order tracking table: web reads it, the projector and ops write it."
  type        = string

  validation {
    condition     = startswith(var.order_tracking_table_arn, "arn:")
    error_message = "order_tracking_table_arn must be an ARN."
  }
}

variable "order_tracking_kms_key_arn" {
  description = "KMS key of the order tracking table (used through DynamoDB only)."
  type        = string

  validation {
    condition     = startswith(var.order_tracking_kms_key_arn, "arn:")
    error_message = "order_tracking_kms_key_arn must be an ARN."
  }
}

variable "order_tracking_ttl_days" {
  description = "ORDER_TRACKING_TTL_DAYS: days an order's item lives after its newest event."
  type        = number
  default     = 400

  validation {
    condition     = var.order_tracking_ttl_days >= 1
    error_message = "order_tracking_ttl_days must be at least 1."
  }
}

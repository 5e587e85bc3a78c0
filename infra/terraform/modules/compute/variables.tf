variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the load balancer and the tasks."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR of the VPC (tasks reach PostgreSQL and Redis inside it)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the Application Load Balancer."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets of the ECS tasks."
  type        = list(string)
}

variable "route53_zone_id" {
  description = "Hosted zone for the ACM DNS validation records of the load balancer certificate."
  type        = string
}

variable "origin_domain_name" {
  description = "DNS name of the load balancer as CloudFront's origin (e.g. origin.shop.example.com); the ALB certificate covers it."
  type        = string
}

variable "origin_certificate_sans" {
  description = "Extra names on the ALB certificate: CloudFront forwards the viewer Host header, so the site names must be on it too."
  type        = list(string)
  default     = []
}

variable "allowed_hosts" {
  description = "DJANGO_ALLOWED_HOSTS: host names the app answers to."
  type        = list(string)
}

variable "image_tag" {
  description = "Tag of the app image in this module's ECR repository to deploy (immutable tags: one per build, e.g. the git SHA)."
  type        = string
}

variable "queue_prefix" {
  description = "SQS_QUEUE_PREFIX (output of the messaging module)."
  type        = string
}

variable "celery_queues" {
  description = "Celery queue keys from messaging.json; the worker consumes all of them."
  type        = list(string)
}

variable "channel_queues" {
  description = "Notification channel queue keys from messaging.json (e.g. notifications-email); one consumer service each."
  type        = list(string)
}

variable "queue_names" {
  description = "Full SQS queue names keyed by messaging.json key (messaging module output)."
  type        = map(string)
}

variable "queue_arns" {
  description = "SQS queue ARNs keyed by messaging.json key (messaging module output)."
  type        = map(string)
}

variable "dlq_arns" {
  description = "Dead-letter queue ARNs keyed by source queue key (messaging module output); the worker role may redrive the Celery ones."
  type        = map(string)
}

variable "order_events_topic_arn" {
  description = "SNS_ORDER_EVENTS_TOPIC_ARN (messaging module output)."
  type        = string
}

variable "event_bus_name" {
  description = "EVENT_BUS_NAME (messaging module output)."
  type        = string
}

variable "event_bus_arn" {
  description = "ARN of the EventBridge bus (messaging module output)."
  type        = string
}

variable "messaging_kms_key_arn" {
  description = "KMS key of the queues and topic."
  type        = string
}

variable "database_url_secret_arn" {
  description = "Secret holding DATABASE_URL (data module output)."
  type        = string
}

variable "database_replica_urls_secret_arn" {
  description = "Secret holding DATABASE_REPLICA_URLS (data module output)."
  type        = string
}

variable "redis_url_secret_arn" {
  description = "Secret holding REDIS_URL (data module output)."
  type        = string
}

variable "cloudfront_key_secret_arn" {
  description = "Secret holding AWS_CLOUDFRONT_KEY, the PEM private key for signed URLs (edge module output)."
  type        = string
}

variable "secret_kms_key_arns" {
  description = "KMS keys of the secrets read by the task execution role (data and edge modules)."
  type        = list(string)
}

variable "media_bucket_name" {
  description = "AWS_STORAGE_BUCKET_NAME (edge module output)."
  type        = string
}

variable "media_bucket_arn" {
  description = "ARN of the media bucket."
  type        = string
}

variable "media_kms_key_arn" {
  description = "KMS key of the media bucket."
  type        = string
}

variable "cloudfront_domain" {
  description = "CLOUDFRONT_DOMAIN serving media (edge module output)."
  type        = string
}

variable "cloudfront_key_id" {
  description = "AWS_CLOUDFRONT_KEY_ID, the CloudFront public key ID for signed URLs (edge module output)."
  type        = string
}

variable "log_group_names" {
  description = "CloudWatch log group per service (observability module output)."
  type        = map(string)
}

variable "logs_bucket_id" {
  description = "Access-log bucket for the ALB (observability module output)."
  type        = string
}

variable "default_from_email" {
  description = "DEFAULT_FROM_EMAIL (an SES-verified identity)."
  type        = string
}

variable "email_host" {
  description = "EMAIL_HOST; empty means the SES SMTP endpoint of the current region."
  type        = string
  default     = ""
}

variable "otel_exporter_otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT; the default is the ADOT collector sidecar in each task."
  type        = string
  default     = "http://localhost:4317"
}

variable "otel_collector_image" {
  description = "Image of the AWS Distro for OpenTelemetry collector sidecar."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.41.1"
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
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

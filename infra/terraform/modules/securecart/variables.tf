variable "name" {
  description = "Name prefix of every resource and of the SQS queues (securecart-staging, securecart-prod)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "staging or production."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "domain_name" {
  description = "Shop domain (e.g. shop.example.com); www., media. and origin. names are derived from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{5,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone ID (Z...)."
  }
}

variable "image_tag" {
  description = "App image tag to deploy (the git SHA pushed to the ECR repository)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid Docker tag and not 'latest' (tags are immutable: use the git SHA)."
  }
}

variable "default_from_email" {
  description = "DEFAULT_FROM_EMAIL, an SES-verified identity."
  type        = string

  validation {
    condition     = can(regex("@", var.default_from_email))
    error_message = "default_from_email must contain an e-mail address."
  }
}

variable "staff_email" {
  description = "E-mail of the first staff user (ensure_staff_user reads it from Secrets Manager with a generated password)."
  type        = string

  validation {
    condition     = can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.staff_email))
    error_message = "staff_email must be an e-mail address."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses that receive alarms (each must confirm the subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@ ]+@[^@ ]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "payment_gateway" {
  description = "PAYMENT_GATEWAY of the app (the built-in test gateway until a real one is added)."
  type        = string
  default     = "test"

  validation {
    condition     = length(var.payment_gateway) > 0
    error_message = "payment_gateway must not be empty."
  }
}

variable "network" {
  description = "VPC layout: one subnet of each tier per AZ, in the order of azs."
  type = object({
    cidr               = string
    azs                = list(string)
    public_subnets     = list(string)
    private_subnets    = list(string)
    database_subnets   = list(string)
    single_nat_gateway = bool
  })

  validation {
    condition     = length(var.network.azs) >= 2
    error_message = "At least two availability zones are required."
  }

  validation {
    condition     = length(var.network.public_subnets) == length(var.network.azs) && length(var.network.private_subnets) == length(var.network.azs) && length(var.network.database_subnets) == length(var.network.azs)
    error_message = "Each subnet tier needs exactly one CIDR per availability zone."
  }
}

variable "database" {
  description = "RDS PostgreSQL sizes (engine major version: data module default)."
  type = object({
    instance_class          = string
    replica_instance_class  = string
    replica_count           = number
    allocated_storage       = number
    max_allocated_storage   = number
    backup_retention_period = number
  })

  validation {
    condition     = var.database.replica_count >= 1
    error_message = "At least one read replica is required."
  }

  validation {
    condition     = var.database.max_allocated_storage >= var.database.allocated_storage
    error_message = "max_allocated_storage must not be below allocated_storage."
  }
}

variable "redis" {
  description = "ElastiCache Redis sizes."
  type = object({
    node_type          = string
    num_cache_clusters = number
  })

  validation {
    condition     = var.redis.num_cache_clusters >= 2
    error_message = "Automatic failover needs at least two Redis nodes."
  }
}

variable "web" {
  description = "Web service size and autoscaling (see the ecs-services module)."
  type = object({
    cpu                        = number
    memory                     = number
    gunicorn_workers           = number
    min                        = number
    max                        = number
    cpu_target                 = number
    requests_per_target_target = number
  })

  validation {
    condition     = (var.web.cpu == 256 && contains([512, 1024, 2048], var.web.memory)) || (var.web.cpu == 512 && var.web.memory >= 1024 && var.web.memory <= 4096 && var.web.memory % 1024 == 0) || (var.web.cpu == 1024 && var.web.memory >= 2048 && var.web.memory <= 8192 && var.web.memory % 1024 == 0) || (var.web.cpu == 2048 && var.web.memory >= 4096 && var.web.memory <= 16384 && var.web.memory % 1024 == 0) || (var.web.cpu == 4096 && var.web.memory >= 8192 && var.web.memory <= 30720 && var.web.memory % 1024 == 0)
    error_message = "web is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }

  validation {
    condition     = var.web.min >= 1 && var.web.min <= var.web.max
    error_message = "web needs 1 <= min <= max."
  }
}

variable "worker" {
  description = "Celery worker size and autoscaling."
  type = object({
    cpu              = number
    memory           = number
    concurrency      = number
    min              = number
    max              = number
    backlog_per_task = number
  })

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
  description = "Size and autoscaling of each notification consumer."
  type = object({
    cpu              = number
    memory           = number
    min              = number
    max              = number
    backlog_per_task = number
  })

  validation {
    condition     = (var.notifications.cpu == 256 && contains([512, 1024, 2048], var.notifications.memory)) || (var.notifications.cpu == 512 && var.notifications.memory >= 1024 && var.notifications.memory <= 4096 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 1024 && var.notifications.memory >= 2048 && var.notifications.memory <= 8192 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 2048 && var.notifications.memory >= 4096 && var.notifications.memory <= 16384 && var.notifications.memory % 1024 == 0) || (var.notifications.cpu == 4096 && var.notifications.memory >= 8192 && var.notifications.memory <= 30720 && var.notifications.memory % 1024 == 0)
    error_message = "notifications is not a Fargate CPU/memory pair (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 MiB, in 1024 MiB steps above 256)."
  }

  validation {
    condition     = var.notifications.min >= 1 && var.notifications.min <= var.notifications.max
    error_message = "notifications needs 1 <= min <= max."
  }
}

variable "spot_on_demand_base" {
  description = "Tasks of each Spot service that always run on on-demand Fargate."
  type        = number
  default     = 0

  validation {
    condition     = var.spot_on_demand_base >= 0
    error_message = "spot_on_demand_base must not be negative."
  }
}

variable "ec2_spot" {
  description = "Optional EC2 Spot Auto Scaling group capacity provider for the worker (off by default)."
  type = object({
    enabled        = bool
    instance_types = list(string)
    max_size       = number
  })
  default = {
    enabled        = false
    instance_types = ["m7g.large", "m6g.large", "c7g.xlarge", "c6g.xlarge"]
    max_size       = 10
  }

  validation {
    condition     = length(var.ec2_spot.instance_types) >= 2
    error_message = "ec2_spot needs at least two instance types."
  }
}

variable "sale" {
  description = "Scheduled scaling for a known peak: starts_at (RFC 3339 UTC, null = none), warm-up, duration and the minimum tasks per service."
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
}

variable "enable_global_accelerator" {
  description = "Put a Global Accelerator in front of the ALB (off by default; the step toward a second region)."
  type        = bool
  default     = false

  validation {
    condition     = var.enable_global_accelerator != null
    error_message = "enable_global_accelerator must be true or false."
  }
}

variable "origin_verify" {
  description = "Origin-verify header rotation: generation per slot (a, b) and the slot CloudFront sends."
  type = object({
    generations = map(number)
    active      = string
  })
  default = {
    generations = { a = 1, b = 1 }
    active      = "a"
  }

  validation {
    condition     = contains(["a", "b"], var.origin_verify.active) && join(",", sort(keys(var.origin_verify.generations))) == "a,b"
    error_message = "origin_verify needs generations for slots a and b and an active slot a or b."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true

  validation {
    condition     = var.deletion_protection != null
    error_message = "deletion_protection must be true or false."
  }
}

variable "orchestration" {
  description = "FULFILMENT_ENGINE (celery | stepfunctions) and FRAUD_SCORER (inprocess | lambda) of the app, and the fraud Lambda's reserved concurrency. With celery + inprocess (the default) no state machine or Lambda is created."
  type = object({
    fulfilment_engine          = string
    fraud_scorer               = string
    fraud_reserved_concurrency = number
  })
  default = {
    fulfilment_engine          = "celery"
    fraud_scorer               = "inprocess"
    fraud_reserved_concurrency = 20
  }

  validation {
    condition     = contains(["celery", "stepfunctions"], var.orchestration.fulfilment_engine) && contains(["inprocess", "lambda"], var.orchestration.fraud_scorer) && var.orchestration.fraud_reserved_concurrency >= 1
    error_message = "orchestration needs fulfilment_engine celery or stepfunctions, fraud_scorer inprocess or lambda, and a reserved concurrency of at least 1."
  }
}

variable "api_gateway" {
  description = "Optional Amazon API Gateway entry for /api/v1 at api.<domain> (off by default; docs/api-gateway.md): one API key + usage plan per partner (requests/s, burst, daily quota), the stage-wide ceiling, the WAF per-IP limit (per 5 min), and the generation of the secret header (bump to rotate)."
  type = object({
    enabled = bool
    partners = map(object({
      rate_limit  = number
      burst_limit = number
      daily_quota = number
    }))
    stage_throttle = object({
      rate_limit  = number
      burst_limit = number
    })
    waf_rate_limit    = number
    verify_generation = number
  })
  default = {
    enabled           = false
    partners          = {}
    stage_throttle    = { rate_limit = 200, burst_limit = 400 }
    waf_rate_limit    = 3000
    verify_generation = 1
  }

  validation {
    condition     = !var.api_gateway.enabled || length(var.api_gateway.partners) > 0
    error_message = "api_gateway.enabled needs at least one partner (an API key nobody holds serves nobody)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 and values at most 256 characters."
  }
}

variable "order_tracking" {
  description = "Order tracking read model: where the order page reads (database | dynamodb), the table's capacity mode (PAY_PER_REQUEST | PROVISIONED with auto scaling) and how long items live."
  type = object({
    store               = optional(string, "database")
    billing_mode        = optional(string, "PAY_PER_REQUEST")
    read_capacity       = optional(object({ min = number, max = number }), { min = 5, max = 200 })
    write_capacity      = optional(object({ min = number, max = number }), { min = 5, max = 100 })
    ttl_days            = optional(number, 400)
    deletion_protection = optional(bool, true)
  })
  default = {}

  validation {
    condition     = contains(["database", "dynamodb"], var.order_tracking.store)
    error_message = "order_tracking.store must be database or dynamodb."
  }

  validation {
    condition     = var.order_tracking.ttl_days >= 1
    error_message = "order_tracking.ttl_days must be at least 1."
  }
}

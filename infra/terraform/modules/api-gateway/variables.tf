variable "name" {
  description = "Name prefix, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancers."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC ID."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the internal Network Load Balancer the VPC link targets (one per AZ)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "At least two private subnets are required."
  }
}

variable "alb_arn" {
  description = "ARN of the Application Load Balancer (alb module): the NLB's only target."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:elasticloadbalancing:", var.alb_arn))
    error_message = "alb_arn must be a load balancer ARN."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the ALB: admits HTTPS from the NLB's security group."
  type        = string

  validation {
    condition     = can(regex("^sg-", var.alb_security_group_id))
    error_message = "alb_security_group_id must be a security group ID."
  }
}

variable "alb_https_listener_arn" {
  description = "HTTPS listener of the ALB: a rule forwards /api/v1/ requests carrying API Gateway's secret header."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:elasticloadbalancing:", var.alb_https_listener_arn))
    error_message = "alb_https_listener_arn must be a listener ARN."
  }
}

variable "target_group_arn" {
  description = "Web target group of the ALB (alb module)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:elasticloadbalancing:", var.target_group_arn))
    error_message = "target_group_arn must be a target group ARN."
  }
}

variable "origin_domain_name" {
  description = "Name on the ALB's certificate (origin.<domain>): host and TLS name of the private integration."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.origin_domain_name))
    error_message = "origin_domain_name must be a lowercase DNS name."
  }
}

variable "api_domain_name" {
  description = "Custom domain of the API (api.<domain>), with its own regional ACM certificate."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.api_domain_name))
    error_message = "api_domain_name must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Hosted zone of api_domain_name (certificate validation and the alias record)."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{5,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone ID (Z...)."
  }
}

variable "partners" {
  description = "One API key and usage plan per partner/mobile client, keyed by the partner name the app logs and throttles by: steady rate (requests/s), burst, and a daily quota."
  type = map(object({
    rate_limit  = number
    burst_limit = number
    daily_quota = number
  }))

  validation {
    condition     = alltrue([for k, p in var.partners : can(regex("^[a-z][a-z0-9-]{1,40}$", k)) && p.rate_limit > 0 && p.burst_limit >= 1 && p.daily_quota >= 1])
    error_message = "partners: names of 2-41 lowercase letters, digits or hyphens; rate_limit > 0, burst_limit >= 1, daily_quota >= 1."
  }
}

variable "stage_throttle" {
  description = "Stage-wide ceiling (all partners together): steady rate (requests/s) and burst."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = {
    rate_limit  = 200
    burst_limit = 400
  }

  validation {
    condition     = var.stage_throttle.rate_limit > 0 && var.stage_throttle.burst_limit >= 1
    error_message = "stage_throttle needs rate_limit > 0 and burst_limit >= 1."
  }
}

variable "waf_rate_limit" {
  description = "WAF: requests per 5 minutes from one IP before it is blocked (in front of the usage plans)."
  type        = number
  default     = 3000

  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "waf_rate_limit must be at least 100 (the WAF minimum)."
  }
}

variable "verify_generation" {
  description = "Generation of the secret header value API Gateway sends; bump to rotate it (docs/api-gateway.md)."
  type        = number
  default     = 1

  validation {
    condition     = var.verify_generation >= 1
    error_message = "verify_generation must be at least 1."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the access and WAF log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a CloudWatch Logs retention value."
  }
}

variable "deletion_protection" {
  description = "Protect the Network Load Balancer from deletion."
  type        = bool
  default     = true

  validation {
    condition     = var.deletion_protection != null
    error_message = "deletion_protection must be true or false."
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

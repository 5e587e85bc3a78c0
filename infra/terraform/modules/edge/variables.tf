variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "domain_name" {
  description = "Shop domain served by CloudFront (e.g. shop.example.com); www.<domain> is added."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "media_domain_name" {
  description = "Domain of the media distribution (CLOUDFRONT_DOMAIN), e.g. media.shop.example.com."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.media_domain_name))
    error_message = "media_domain_name must be a lowercase DNS name."
  }
}

variable "origin_domain_name" {
  description = "DNS name CloudFront uses to reach the load balancer (covered by the ALB certificate)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.origin_domain_name))
    error_message = "origin_domain_name must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Hosted zone holding domain_name, media_domain_name and origin_domain_name."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{5,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone ID (Z...)."
  }
}

variable "origin_alias" {
  description = "Alias target of origin_domain_name: the ALB, or the Global Accelerator in front of it (DNS name and hosted zone ID)."
  type = object({
    name    = string
    zone_id = string
  })

  validation {
    condition     = length(var.origin_alias.name) > 0 && length(var.origin_alias.zone_id) > 0
    error_message = "origin_alias needs a DNS name and a hosted zone ID."
  }
}

variable "origin_verify_header" {
  description = "Header CloudFront adds to every origin request (alb module output)."
  type        = string

  validation {
    condition     = can(regex("^X-[A-Za-z-]+$", var.origin_verify_header))
    error_message = "origin_verify_header must be an X- header name."
  }
}

variable "origin_verify_value" {
  description = "Secret value of origin_verify_header (alb module output, the active slot)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_value) >= 32
    error_message = "origin_verify_value must be at least 32 characters."
  }
}

variable "logs_bucket_id" {
  description = "Access-log bucket (observability module output)."
  type        = string

  validation {
    condition     = length(var.logs_bucket_id) >= 3
    error_message = "logs_bucket_id must be a bucket name."
  }
}

variable "logs_bucket_domain_name" {
  description = "Bucket domain name of the access-log bucket (CloudFront standard logging)."
  type        = string

  validation {
    condition     = endswith(var.logs_bucket_domain_name, ".amazonaws.com")
    error_message = "logs_bucket_domain_name must be an S3 bucket domain name."
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

variable "login_rate_limit" {
  description = "Requests per IP per 5 minutes allowed to /accounts/login/ and /admin/login/."
  type        = number
  default     = 100

  validation {
    condition     = var.login_rate_limit >= 10
    error_message = "WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "checkout_rate_limit" {
  description = "Requests per IP per 5 minutes allowed to /checkout/ and /api/v1/checkout/."
  type        = number
  default     = 200

  validation {
    condition     = var.checkout_rate_limit >= 10
    error_message = "WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "global_rate_limit" {
  description = "Requests per IP per 5 minutes allowed anywhere."
  type        = number
  default     = 5000

  validation {
    condition     = var.global_rate_limit >= 10
    error_message = "WAF rate limits start at 10 requests per 5 minutes."
  }
}

variable "waf_log_retention_in_days" {
  description = "Retention of the WAF log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.waf_log_retention_in_days)
    error_message = "waf_log_retention_in_days must be a retention CloudWatch Logs accepts."
  }
}

variable "media_noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted media object version is kept."
  type        = number
  default     = 90

  validation {
    condition     = var.media_noncurrent_version_expiration_days >= 1
    error_message = "media_noncurrent_version_expiration_days must be at least 1."
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

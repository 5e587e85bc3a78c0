variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string
}

variable "domain_name" {
  description = "Shop domain served by CloudFront (e.g. shop.example.com); www.<domain> is added."
  type        = string
}

variable "media_domain_name" {
  description = "Domain of the media distribution (CLOUDFRONT_DOMAIN), e.g. media.shop.example.com."
  type        = string
}

variable "origin_domain_name" {
  description = "DNS name CloudFront uses to reach the load balancer (covered by the ALB certificate)."
  type        = string
}

variable "route53_zone_id" {
  description = "Hosted zone holding domain_name, media_domain_name and origin_domain_name."
  type        = string
}

variable "alb_dns_name" {
  description = "DNS name of the Application Load Balancer (compute module output)."
  type        = string
}

variable "alb_zone_id" {
  description = "Hosted zone ID of the Application Load Balancer (compute module output)."
  type        = string
}

variable "logs_bucket_id" {
  description = "Access-log bucket (observability module output)."
  type        = string
}

variable "logs_bucket_domain_name" {
  description = "Bucket domain name of the access-log bucket (CloudFront standard logging)."
  type        = string
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

variable "login_rate_limit" {
  description = "Requests per IP per 5 minutes allowed to /accounts/login/ and /admin/login/."
  type        = number
  default     = 100
}

variable "checkout_rate_limit" {
  description = "Requests per IP per 5 minutes allowed to /checkout/ and /api/v1/checkout/."
  type        = number
  default     = 200
}

variable "global_rate_limit" {
  description = "Requests per IP per 5 minutes allowed anywhere."
  type        = number
  default     = 5000
}

variable "waf_log_retention_in_days" {
  description = "Retention of the WAF log group, in days."
  type        = number
  default     = 365
}

variable "media_noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted media object version is kept."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

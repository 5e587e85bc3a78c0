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
  description = "App image tag to deploy (the git SHA pushed to the ECR repository by scripts/deploy.sh)."
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
  description = "E-mail of the first staff user (manage.py ensure_staff_user)."
  type        = string

  validation {
    condition     = can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", var.staff_email))
    error_message = "staff_email must be an e-mail address."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses that receive alarms."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@ ]+@[^@ ]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "sale_starts_at" {
  description = "Start of a known sale (RFC 3339 UTC, e.g. 2026-11-27T08:00:00Z): capacity is raised before it. null: no scheduled scaling."
  type        = string
  default     = null

  validation {
    condition     = var.sale_starts_at == null || can(timeadd(var.sale_starts_at, "0s"))
    error_message = "sale_starts_at must be an RFC 3339 timestamp or null."
  }
}

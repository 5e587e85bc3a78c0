variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets of the load balancer, in at least two AZs."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "An Application Load Balancer needs subnets in at least two AZs."
  }
}

variable "route53_zone_id" {
  description = "Hosted zone for the ACM DNS validation records."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{5,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a Route 53 hosted zone ID (Z...)."
  }
}

variable "origin_domain_name" {
  description = "DNS name CloudFront uses to reach the load balancer (e.g. origin.shop.example.com)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", var.origin_domain_name))
    error_message = "origin_domain_name must be a lowercase DNS name."
  }
}

variable "certificate_sans" {
  description = "Extra names on the ALB certificate: CloudFront forwards the viewer Host header, so the site names must be on it too."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.certificate_sans) <= 9
    error_message = "At most 9 extra names (ACM default quota of 10 names per certificate)."
  }
}

variable "target_port" {
  description = "Port gunicorn listens on in the web tasks."
  type        = number
  default     = 8000

  validation {
    condition     = var.target_port >= 1024 && var.target_port <= 65535
    error_message = "target_port must be an unprivileged port (1024-65535): the app runs as a non-root user."
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

variable "kms_key_arn" {
  description = "KMS key encrypting the origin-verify secret."
  type        = string

  validation {
    condition     = can(regex("^arn:", var.kms_key_arn))
    error_message = "kms_key_arn must be an ARN."
  }
}

variable "origin_verify_generations" {
  description = "Generation of each origin-verify slot (a, b); raising one gives that slot a new random value."
  type        = map(number)
  default     = { a = 1, b = 1 }

  validation {
    condition     = join(",", sort(keys(var.origin_verify_generations))) == "a,b"
    error_message = "origin_verify_generations must have exactly the slots a and b."
  }
}

variable "origin_verify_active" {
  description = "Slot whose value CloudFront sends (the ALB accepts both)."
  type        = string
  default     = "a"

  validation {
    condition     = contains(["a", "b"], var.origin_verify_active)
    error_message = "origin_verify_active must be a or b."
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

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 and values at most 256 characters."
  }
}

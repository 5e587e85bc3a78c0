variable "name" {
  description = "Name of the accelerator, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "alb_arn" {
  description = "ARN of the Application Load Balancer behind the accelerator (alb module output)."
  type        = string

  validation {
    condition     = can(regex("^arn:[^:]+:elasticloadbalancing:", var.alb_arn))
    error_message = "alb_arn must be a load balancer ARN."
  }
}

variable "logs_bucket_id" {
  description = "Bucket receiving the accelerator's flow logs (prefix globalaccelerator/)."
  type        = string

  validation {
    condition     = length(var.logs_bucket_id) >= 3
    error_message = "logs_bucket_id must be a bucket name."
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

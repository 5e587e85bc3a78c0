variable "name" {
  description = "Name of the cluster and prefix of its resources, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC of the optional EC2 container instances."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the optional EC2 container instances."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Container instances need subnets in at least two AZs."
  }
}

variable "exec_audit_log_retention_in_days" {
  description = "Retention of the ECS Exec audit log (every command typed in a session)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.exec_audit_log_retention_in_days)
    error_message = "exec_audit_log_retention_in_days must be a retention CloudWatch Logs accepts."
  }
}

variable "ec2_spot" {
  description = "Optional EC2 Spot Auto Scaling group registered as a capacity provider (Graviton instance types; off by default, Fargate Spot covers the same need without instances to patch)."
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
    condition     = length(var.ec2_spot.instance_types) >= 2 && alltrue([for t in var.ec2_spot.instance_types : can(regex("^[a-z][0-9]+g[a-z]*\\.", t))])
    error_message = "ec2_spot.instance_types needs at least two Graviton (arm64, e.g. m7g.large) types: Spot capacity comes from several pools, and the task definitions are ARM64."
  }

  validation {
    condition     = var.ec2_spot.max_size >= 1 && var.ec2_spot.max_size <= 100
    error_message = "ec2_spot.max_size must be between 1 and 100."
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

variable "name" {
  description = "Name prefix for the key alias and scaling policies, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "table_name" {
  description = "Table name: ORDER_TRACKING_TABLE of the app (queue prefix + order_tracking_table of securecart/messaging.json)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3-255 letters, digits, underscores, hyphens or dots."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand, the default: no capacity to plan) or PROVISIONED (read/write capacity kept near target_utilization by Application Auto Scaling)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Read capacity units auto scaling may set when PROVISIONED."
  type        = object({ min = number, max = number })
  default     = { min = 5, max = 200 }

  validation {
    condition     = var.read_capacity.min >= 1 && var.read_capacity.min <= var.read_capacity.max
    error_message = "read_capacity needs 1 <= min <= max."
  }
}

variable "write_capacity" {
  description = "Write capacity units auto scaling may set when PROVISIONED."
  type        = object({ min = number, max = number })
  default     = { min = 5, max = 100 }

  validation {
    condition     = var.write_capacity.min >= 1 && var.write_capacity.min <= var.write_capacity.max
    error_message = "write_capacity needs 1 <= min <= max."
  }
}

variable "target_utilization" {
  description = "Consumed/provisioned capacity, in percent, that auto scaling aims at."
  type        = number
  default     = 70

  validation {
    condition     = var.target_utilization >= 20 && var.target_utilization <= 90
    error_message = "target_utilization must be between 20 and 90 (percent)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the table (it can be rebuilt from RDS, but a rebuild takes time)."
  type        = bool
  default     = true

  validation {
    condition     = var.deletion_protection != null
    error_message = "deletion_protection must be true or false."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 characters, values at most 256."
  }
}

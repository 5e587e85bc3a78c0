variable "state_bucket_name" {
  description = "Name of the S3 bucket holding every environment's Terraform state. Bucket names are global: pick one nobody has, e.g. <company>-securecart-tfstate-<account id>. A second bucket <name>-access-logs is created next to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,49}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name of at most 51 characters (the access-log bucket adds -access-logs)."
  }
}

variable "lock_table_name" {
  description = "Name of the DynamoDB table used for state locking."
  type        = string
  default     = "securecart-terraform-locks"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be a valid DynamoDB table name."
  }
}

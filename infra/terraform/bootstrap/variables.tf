variable "region" {
  description = "Region of the state bucket and lock table (the envs' backend blocks use the same)."
  type        = string
  default     = "eu-west-1"
}

variable "state_bucket_name" {
  description = "Name of the S3 bucket holding every environment's Terraform state."
  type        = string
  default     = "securecart-terraform-state"
}

variable "lock_table_name" {
  description = "Name of the DynamoDB table used for state locking."
  type        = string
  default     = "securecart-terraform-locks"
}

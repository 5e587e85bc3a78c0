variable "bucket" {
  description = "Exact bucket name (globally unique); null to generate one from bucket_prefix."
  type        = string
  default     = null

  validation {
    condition     = var.bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "bucket_prefix" {
  description = "Prefix of a generated bucket name, used when bucket is null."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_prefix == null || can(regex("^[a-z0-9][a-z0-9-]{1,36}$", var.bucket_prefix))
    error_message = "bucket_prefix must be 2-37 lowercase letters, digits or hyphens."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null for SSE-S3 (needed by log sinks: ALB and S3 server access logs only accept SSE-S3)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:", var.kms_key_arn))
    error_message = "kms_key_arn must be an ARN or null."
  }
}

variable "object_ownership" {
  description = "BucketOwnerEnforced (ACLs off) unless a log service writes through ACL grants (CloudFront standard logging needs BucketOwnerPreferred)."
  type        = string
  default     = "BucketOwnerEnforced"

  validation {
    condition     = contains(["BucketOwnerEnforced", "BucketOwnerPreferred"], var.object_ownership)
    error_message = "object_ownership must be BucketOwnerEnforced or BucketOwnerPreferred."
  }
}

variable "expiration_days" {
  description = "Delete current objects after this many days; null keeps them."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1, false)
    error_message = "expiration_days must be at least 1, or null."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object version is kept."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "access_logs" {
  description = "Where this bucket's server access logs go ({ bucket, prefix }); null only for an access-log sink itself. An object, so that its presence is known at plan time even when the bucket name is not."
  type = object({
    bucket = string
    prefix = string
  })
  default = null

  validation {
    condition     = var.access_logs == null || try(endswith(var.access_logs.prefix, "/"), false)
    error_message = "access_logs.prefix must end with a slash."
  }
}

variable "eventbridge" {
  description = "Send object events to EventBridge."
  type        = bool
  default     = false

  validation {
    condition     = var.eventbridge != null
    error_message = "eventbridge must be true or false."
  }
}

variable "policy_documents" {
  description = "Extra IAM policy documents (JSON) merged into the bucket policy, e.g. log delivery or CloudFront OAC grants."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for d in var.policy_documents : can(jsondecode(d))])
    error_message = "policy_documents must be JSON policy documents."
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

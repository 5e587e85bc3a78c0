# The remote state store of every environment: a KMS-encrypted, versioned bucket with
# server access logs, a lock table, and the KMS key whose alias the env backends name.
# The region is the provider's, from AWS_REGION.

provider "aws" {
  default_tags {
    tags = {
      Project   = "securecart"
      ManagedBy = "terraform"
      Component = "terraform-state"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
}

resource "aws_kms_key" "this" {
  description             = "securecart Terraform state and locks"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdmin"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

# The env backends name this alias (kms_key_id in envs/*/versions.tf).
resource "aws_kms_alias" "this" {
  name          = "alias/securecart-terraform-state"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "access_log_delivery" {
  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket_name}-access-logs/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# Who read or wrote state, from S3 server access logs (SSE-S3: the only encryption
# S3 server access logging delivers to).
module "access_logs" {
  source = "../modules/s3-bucket"

  bucket                             = "${var.state_bucket_name}-access-logs"
  kms_key_arn                        = null
  expiration_days                    = 400
  noncurrent_version_expiration_days = 30
  access_logs                        = null
  policy_documents                   = [data.aws_iam_policy_document.access_log_delivery.json]
}

module "state" {
  source = "../modules/s3-bucket"

  bucket                             = var.state_bucket_name
  kms_key_arn                        = aws_kms_key.this.arn
  noncurrent_version_expiration_days = 365
  access_logs                        = { bucket = module.access_logs.id, prefix = "state/" }
}

resource "aws_dynamodb_table" "locks" {
  name         = var.lock_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  deletion_protection_enabled = true
}

terraform {
  required_version = ">= 1.6.1"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }

  # Partial configuration: bucket, region and dynamodb_table come from backend.hcl,
  # which `scripts/deploy.sh bootstrap` writes from the bootstrap outputs (docs/deploy.md).
  # State is encrypted with the bootstrap's KMS key, never with SSE-S3.
  backend "s3" {
    key        = "securecart/production/terraform.tfstate"
    encrypt    = true
    kms_key_id = "alias/securecart-terraform-state"
  }
}

terraform {
  required_version = ">= 1.6.1"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # Local state on purpose: this root creates the remote state store itself. Keep its
  # terraform.tfstate safe (or migrate it into the bucket afterwards, docs/deploy.md).
}

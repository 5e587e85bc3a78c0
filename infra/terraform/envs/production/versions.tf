terraform {
  required_version = ">= 1.6.0"

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
  }

  # State bucket and lock table are created once by infra/terraform/bootstrap.
  # Another account: terraform init -backend-config="bucket=..." -backend-config="dynamodb_table=..."
  backend "s3" {
    bucket         = "securecart-terraform-state"
    key            = "securecart/production/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "securecart-terraform-locks"
    encrypt        = true
  }
}

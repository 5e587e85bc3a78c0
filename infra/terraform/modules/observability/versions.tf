terraform {
  required_version = ">= 1.6.1"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 6.0.0"
      # CloudFront publishes its metrics in us-east-1: that alarm and its topic live there.
      configuration_aliases = [aws.us_east_1]
    }
  }
}

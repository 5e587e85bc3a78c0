terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 6.0.0"
      # CloudFront certificates, WAF (scope CLOUDFRONT) and its logs must live in us-east-1.
      configuration_aliases = [aws.us_east_1]
    }
  }
}

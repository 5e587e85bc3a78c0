# The region comes from the environment (AWS_REGION), like the backend's.
provider "aws" {}

# CloudFront certificates, the WAF web ACL and the CloudFront alarm live in us-east-1.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

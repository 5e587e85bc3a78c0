output "media_bucket_name" {
  description = "AWS_STORAGE_BUCKET_NAME: the media bucket."
  value       = try(module.media.id, null)
}

output "media_bucket_arn" {
  description = "ARN of the media bucket."
  value       = try(module.media.arn, null)
}

output "kms_key_arn" {
  description = "KMS key of the media bucket and of the signing-key secret."
  value       = try(aws_kms_key.this.arn, null)
}

output "cloudfront_domain" {
  description = "CLOUDFRONT_DOMAIN: the domain media URLs are built on."
  value       = try(aws_route53_record.this["${var.media_domain_name} A"].fqdn, var.media_domain_name)
}

output "media_distribution_id" {
  description = "ID of the media distribution (invalidations)."
  value       = try(aws_cloudfront_distribution.media.id, null)
}

output "site_distribution_id" {
  description = "ID of the site distribution (invalidations)."
  value       = try(aws_cloudfront_distribution.site.id, null)
}

output "site_distribution_domain_name" {
  description = "cloudfront.net domain of the site distribution."
  value       = try(aws_cloudfront_distribution.site.domain_name, null)
}

output "cloudfront_key_id" {
  description = "AWS_CLOUDFRONT_KEY_ID: ID of the public key trusted for private/ media."
  value       = try(aws_cloudfront_public_key.this.id, null)
}

output "cloudfront_key_secret_arn" {
  description = "Secret holding AWS_CLOUDFRONT_KEY (PEM private key)."
  value       = try(aws_secretsmanager_secret.cloudfront_key.arn, null)
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL on both distributions."
  value       = try(aws_wafv2_web_acl.this.arn, null)
}

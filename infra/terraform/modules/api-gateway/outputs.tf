output "api_url" {
  description = "Base URL partners call (with their x-api-key header)."
  value       = "https://${var.api_domain_name}/api/v1/"
}

output "partner_key_ids" {
  description = "API key ID per partner (the value: aws apigateway get-api-key --api-key <id> --include-value)."
  value       = try({ for k, key in aws_api_gateway_api_key.this : k => key.id }, {})
}

output "partners_by_key_id" {
  description = "Partner name per API key ID: the app's API_GATEWAY_PARTNERS."
  value       = try({ for k, key in aws_api_gateway_api_key.this : key.id => k }, {})
}

output "verify_secret_arn" {
  description = "Secret holding the X-Api-Gateway-Verify value (the app's API_GATEWAY_VERIFY_SECRET)."
  value       = try(aws_secretsmanager_secret.verify.arn, null)
}

output "kms_key_arn" {
  description = "Key of the verify secret (the ECS execution role decrypts it)."
  value       = try(aws_kms_key.this.arn, null)
}

output "web_acl_arn" {
  description = "Regional WAF web ACL on the stage."
  value       = try(aws_wafv2_web_acl.api.arn, null)
}

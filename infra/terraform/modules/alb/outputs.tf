output "security_group_id" {
  description = "Security group of the load balancer (the app admits it)."
  value       = try(aws_security_group.this.id, null)
}

output "arn" {
  description = "ARN of the load balancer (Global Accelerator endpoint)."
  value       = try(aws_lb.this.arn, null)
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = try(aws_lb.this.dns_name, null)
}

output "zone_id" {
  description = "Hosted zone ID of the load balancer (Route 53 alias records)."
  value       = try(aws_lb.this.zone_id, null)
}

output "arn_suffix" {
  description = "arn_suffix of the load balancer (CloudWatch dimensions)."
  value       = try(aws_lb.this.arn_suffix, null)
}

output "target_group_arn" {
  description = "Target group of the web service."
  value       = try(aws_lb_target_group.web.arn, null)
}

output "target_group_arn_suffix" {
  description = "arn_suffix of the web target group (CloudWatch dimensions)."
  value       = try(aws_lb_target_group.web.arn_suffix, null)
}

output "https_listener_arn" {
  description = "HTTPS listener (services depend on it before registering targets)."
  value       = try(aws_lb_listener.https.arn, null)
}

output "origin_verify_header" {
  description = "Name of the header CloudFront must send."
  value       = local.origin_verify_header
}

output "origin_verify_value" {
  description = "Value of the active origin-verify slot, for the CloudFront origin custom header."
  value       = try(random_password.origin_verify[var.origin_verify_active].result, null)
  sensitive   = true
}

output "origin_verify_secret_arn" {
  description = "Secrets Manager secret recording the origin-verify values."
  value       = try(aws_secretsmanager_secret.origin_verify.arn, null)
}

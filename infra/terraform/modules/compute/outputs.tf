output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = try(aws_ecs_cluster.this.name, null)
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = try(aws_ecs_cluster.this.arn, null)
}

output "service_keys" {
  description = "Short names of the services (web, worker, beat, notifications-<channel>); known at plan time."
  value       = keys(local.services)
}

output "service_names" {
  description = "ECS service names, keyed by service (web, worker, beat, notifications-<channel>)."
  value       = try({ for k, s in aws_ecs_service.this : k => s.name }, {})
}

output "service_min_running" {
  description = "Minimum running tasks per service (for the running-task alarms)."
  value       = { for k, s in local.services : k => s.min }
}

output "task_definition_arns" {
  description = "Task definition ARNs (with revision), keyed by service."
  value       = try({ for k, t in aws_ecs_task_definition.this : k => t.arn }, {})
}

output "task_definition_families" {
  description = "Task definition families, keyed by service (run migrations with the web family)."
  value       = try({ for k, t in aws_ecs_task_definition.this : k => t.family }, {})
}

output "app_security_group_id" {
  description = "Security group of the app tasks (allowed into PostgreSQL and Redis)."
  value       = try(aws_security_group.app.id, null)
}

output "private_subnet_ids" {
  description = "Subnets for one-off tasks (e.g. migrations)."
  value       = var.private_subnet_ids
}

output "ecr_repository_url" {
  description = "ECR repository to push the app image to."
  value       = try(aws_ecr_repository.this.repository_url, null)
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = try(aws_lb.this.dns_name, null)
}

output "alb_zone_id" {
  description = "Hosted zone ID of the load balancer (Route 53 alias records)."
  value       = try(aws_lb.this.zone_id, null)
}

output "alb_arn_suffix" {
  description = "arn_suffix of the load balancer (CloudWatch dimensions)."
  value       = try(aws_lb.this.arn_suffix, null)
}

output "target_group_arn_suffix" {
  description = "arn_suffix of the web target group (CloudWatch dimensions)."
  value       = try(aws_lb_target_group.web.arn_suffix, null)
}

output "email_smtp_secret_arn" {
  description = "Secret the operator fills with the SES SMTP credentials ({\"username\", \"password\"})."
  value       = try(aws_secretsmanager_secret.this["email-smtp"].arn, null)
}

output "service_keys" {
  description = "Short names of the services (web, worker, beat, notifications-<channel>); known at plan time."
  value       = keys(local.services)
}

output "task_definition_keys" {
  description = "Services plus ops: every task definition, each with a log group."
  value       = keys(local.task_definitions)
}

output "service_names" {
  description = "ECS service names, keyed by service."
  value       = try({ for k, s in aws_ecs_service.this : k => s.name }, {})
}

output "service_min_running" {
  description = "Minimum running tasks per service (for the running-task alarms)."
  value       = { for k, s in local.services : k => s.min }
}

output "task_definition_families" {
  description = "Task definition families, keyed by task definition (ops runs the one-off commands)."
  value       = try({ for k, t in aws_ecs_task_definition.this : k => t.family }, {})
}

output "task_definition_arns" {
  description = "Task definition ARNs (with revision), keyed by task definition."
  value       = try({ for k, t in aws_ecs_task_definition.this : k => t.arn }, {})
}

output "app_security_group_id" {
  description = "Security group of the app tasks (allowed into PostgreSQL and Redis)."
  value       = try(aws_security_group.app.id, null)
}

output "ecr_repository_url" {
  description = "ECR repository to push the app image to."
  value       = try(aws_ecr_repository.this.repository_url, null)
}

output "ecr_repository_name" {
  description = "Name of the ECR repository."
  value       = try(aws_ecr_repository.this.name, null)
}

output "email_smtp_secret_arn" {
  description = "Secret the operator fills with the SES SMTP credentials ({\"username\", \"password\"})."
  value       = try(aws_secretsmanager_secret.this["email-smtp"].arn, null)
}

output "staff_user_secret_arn" {
  description = "Secret read by `manage.py ensure_staff_user` ({\"email\", \"password\"})."
  value       = try(aws_secretsmanager_secret.this["staff-user"].arn, null)
}

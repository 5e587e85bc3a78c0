output "ecr_repository_url" {
  description = "Push the app image here (tag = git SHA), then apply with image_tag set to it."
  value       = module.compute.ecr_repository_url
}

output "cluster_name" {
  description = "ECS cluster (for one-off tasks such as migrations)."
  value       = module.compute.cluster_name
}

output "web_task_definition_family" {
  description = "Task definition family to run one-off management commands with."
  value       = module.compute.task_definition_families["web"]
}

output "private_subnet_ids" {
  description = "Subnets for one-off tasks."
  value       = module.network.private_subnet_ids
}

output "app_security_group_id" {
  description = "Security group for one-off tasks."
  value       = module.compute.app_security_group_id
}

output "site_url" {
  description = "Public URL of the shop."
  value       = "https://${var.domain_name}/"
}

output "cloudfront_domain" {
  description = "Domain serving media."
  value       = module.edge.cloudfront_domain
}

output "email_smtp_secret_arn" {
  description = "Put the SES SMTP credentials here before the first deploy."
  value       = module.compute.email_smtp_secret_arn
}

output "alarm_topic_arn" {
  description = "SNS topic of all alarms."
  value       = module.observability.alarm_topic_arn
}

output "name" {
  description = "Name of the ECS cluster."
  value       = try(aws_ecs_cluster.this.name, null)
}

output "arn" {
  description = "ARN of the ECS cluster."
  value       = try(aws_ecs_cluster.this.arn, null)
}

output "id" {
  description = "ID of the ECS cluster."
  value       = try(aws_ecs_cluster.this.id, null)
}

output "kms_key_arn" {
  description = "KMS key of exec sessions, the exec audit log, ECR and the app secrets."
  value       = try(aws_kms_key.this.arn, null)
}

output "exec_audit_log_group_name" {
  description = "Log group receiving every ECS Exec session."
  value       = try(aws_cloudwatch_log_group.exec_audit.name, null)
}

output "exec_audit_log_group_arn" {
  description = "ARN of the ECS Exec audit log group."
  value       = try(aws_cloudwatch_log_group.exec_audit.arn, null)
}

output "ec2_spot_capacity_provider" {
  description = "Name of the EC2 Spot capacity provider, or null when it is off."
  value       = try(aws_ecs_capacity_provider.ec2_spot[0].name, null)
}

output "capacity_providers" {
  description = "Capacity providers registered with the cluster (services must only use these)."
  value       = try(aws_ecs_cluster_capacity_providers.this.capacity_providers, [])
}

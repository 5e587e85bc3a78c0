output "kms_key_arn" {
  description = "KMS key encrypting the data stores and their secrets (the ECS execution role needs kms:Decrypt on it)."
  value       = try(aws_kms_key.this.arn, null)
}

output "db_instance_identifier" {
  description = "Identifier of the RDS primary."
  value       = try(aws_db_instance.this.identifier, null)
}

output "db_instance_address" {
  description = "Hostname of the RDS primary."
  value       = try(aws_db_instance.this.address, null)
}

output "db_replica_identifiers" {
  description = "Identifiers of the read replicas."
  value       = try(aws_db_instance.replica[*].identifier, [])
}

output "db_replica_addresses" {
  description = "Hostnames of the read replicas."
  value       = try(aws_db_instance.replica[*].address, [])
}

output "db_security_group_id" {
  description = "Security group of PostgreSQL."
  value       = try(aws_security_group.db.id, null)
}

output "redis_replication_group_id" {
  description = "ID of the Redis replication group."
  value       = try(aws_elasticache_replication_group.this.replication_group_id, null)
}

output "redis_primary_endpoint_address" {
  description = "Primary endpoint of the Redis replication group."
  value       = try(aws_elasticache_replication_group.this.primary_endpoint_address, null)
}

output "redis_member_clusters" {
  description = "Cache cluster IDs of the Redis nodes (for per-node alarms)."
  value       = try(tolist(aws_elasticache_replication_group.this.member_clusters), [])
}

output "redis_security_group_id" {
  description = "Security group of Redis."
  value       = try(aws_security_group.redis.id, null)
}

output "database_url_secret_arn" {
  description = "Secrets Manager ARN of DATABASE_URL."
  value       = try(aws_secretsmanager_secret.this["database-url"].arn, null)
}

output "database_replica_urls_secret_arn" {
  description = "Secrets Manager ARN of DATABASE_REPLICA_URLS."
  value       = try(aws_secretsmanager_secret.this["database-replica-urls"].arn, null)
}

output "redis_url_secret_arn" {
  description = "Secrets Manager ARN of REDIS_URL."
  value       = try(aws_secretsmanager_secret.this["redis-url"].arn, null)
}

output "redis_num_cache_clusters" {
  description = "Number of Redis nodes (their IDs are <group>-001, -002, ...)."
  value       = var.redis_num_cache_clusters
}

variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC the data stores live in."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated (database tier) subnets, in at least two AZs."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups (the app tasks) allowed to reach PostgreSQL and Redis."
  type        = list(string)
}

variable "database_name" {
  description = "Name of the application database."
  type        = string
  default     = "securecart"
}

variable "master_username" {
  description = "Master user of the RDS instance (the app connects as this user)."
  type        = string
  default     = "securecart"
}

variable "engine_version" {
  description = "PostgreSQL engine version."
  type        = string
  default     = "16.4"
}

variable "parameter_group_family" {
  description = "DB parameter group family matching engine_version."
  type        = string
  default     = "postgres16"
}

variable "instance_class" {
  description = "Instance class of the primary."
  type        = string
  default     = "db.t4g.medium"
}

variable "replica_instance_class" {
  description = "Instance class of the read replicas."
  type        = string
  default     = "db.t4g.medium"
}

variable "replica_count" {
  description = "Number of read replicas (at least one)."
  type        = number
  default     = 1

  validation {
    condition     = var.replica_count >= 1
    error_message = "At least one read replica is required."
  }
}

variable "allocated_storage" {
  description = "Initial storage of the primary, in GiB."
  type        = number
  default     = 50
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling, in GiB."
  type        = number
  default     = 500
}

variable "multi_az" {
  description = "Run the primary (and replicas) with a synchronous standby in another AZ."
  type        = bool
  default     = true
}

variable "backup_retention_period" {
  description = "Days of automated backups kept (enables point-in-time recovery)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_period >= 1
    error_message = "Automated backups (and so PITR) must stay enabled."
  }
}

variable "deletion_protection" {
  description = "Protect the database and replicas from deletion."
  type        = bool
  default     = true
}

variable "redis_engine_version" {
  description = "Redis engine version of the replication group."
  type        = string
  default     = "7.1"
}

variable "redis_parameter_group_family" {
  description = "ElastiCache parameter group family matching redis_engine_version."
  type        = string
  default     = "redis7"
}

variable "redis_node_type" {
  description = "Node type of the Redis replication group."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_num_cache_clusters" {
  description = "Number of Redis nodes (primary + replicas, at least two for automatic failover)."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_num_cache_clusters >= 2
    error_message = "Automatic failover needs at least two nodes."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the data stores live in."
  type        = string

  validation {
    condition     = can(regex("^vpc-", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Isolated (database tier) subnets, in at least two AZs."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Data stores need subnets in at least two AZs."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (the app tasks) allowed to reach PostgreSQL and Redis."
  type        = list(string)

  validation {
    condition     = length(var.allowed_security_group_ids) >= 1
    error_message = "At least one security group must reach the data stores."
  }
}

variable "database_name" {
  description = "Name of the application database."
  type        = string
  default     = "securecart"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "master_username" {
  description = "Master user of the RDS instance (the app connects as this user)."
  type        = string
  default     = "securecart"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin"], var.master_username)
    error_message = "master_username must be a lowercase identifier of at most 16 characters and not a reserved name."
  }
}

variable "engine_version" {
  description = "PostgreSQL major version (minor versions are applied by AWS); the parameter group family follows it."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[4-9]$", var.engine_version))
    error_message = "engine_version is a major version only (e.g. \"16\"), never a minor such as 16.4."
  }
}

variable "instance_class" {
  description = "Instance class of the primary."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class (db.*)."
  }
}

variable "replica_instance_class" {
  description = "Instance class of the read replicas."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.replica_instance_class, "db.")
    error_message = "replica_instance_class must be an RDS class (db.*)."
  }
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

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB (gp3)."
  }
}

variable "max_allocated_storage" {
  description = "Storage autoscaling ceiling, in GiB."
  type        = number
  default     = 500

  validation {
    condition     = var.max_allocated_storage >= var.allocated_storage
    error_message = "max_allocated_storage must not be below allocated_storage."
  }
}

variable "multi_az" {
  description = "Run the primary with a synchronous standby in another AZ."
  type        = bool
  default     = true

  validation {
    condition     = var.multi_az != null
    error_message = "multi_az must be true or false."
  }
}

variable "replica_multi_az" {
  description = "Give each read replica a standby too (doubles the replica cost; replicas are rebuilt from the primary anyway)."
  type        = bool
  default     = false

  validation {
    condition     = var.replica_multi_az != null
    error_message = "replica_multi_az must be true or false."
  }
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

  validation {
    condition     = var.deletion_protection != null
    error_message = "deletion_protection must be true or false."
  }
}

variable "redis_engine_version" {
  description = "Redis engine version of the replication group."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^[67]\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be a Redis major.minor such as 7.1."
  }
}

variable "redis_parameter_group_family" {
  description = "ElastiCache parameter group family matching redis_engine_version."
  type        = string
  default     = "redis7"

  validation {
    condition     = can(regex("^redis[67]$", var.redis_parameter_group_family))
    error_message = "redis_parameter_group_family must be redis6 or redis7."
  }
}

variable "redis_node_type" {
  description = "Node type of the Redis replication group."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = startswith(var.redis_node_type, "cache.")
    error_message = "redis_node_type must be an ElastiCache node type (cache.*)."
  }
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

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 and values at most 256 characters."
  }
}

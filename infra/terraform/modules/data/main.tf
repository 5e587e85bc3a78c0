data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  port       = 5432
  redis_port = 6379
}

################################################################################
# Encryption key for every data store and secret of this module
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} data stores (RDS, ElastiCache, Secrets Manager)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  # Services (RDS, ElastiCache, Secrets Manager) use the key through grants made on
  # behalf of IAM principals of this account; IAM policies decide who may do that.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdmin"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Network access: only the app's security groups
################################################################################

resource "aws_security_group" "db" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL, reachable from the app tasks only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-postgres" })
}

resource "aws_vpc_security_group_ingress_rule" "db" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the app"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "Redis, reachable from the app tasks only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-redis" })
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the app"
  ip_protocol                  = "tcp"
  from_port                    = local.redis_port
  to_port                      = local.redis_port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

################################################################################
# RDS PostgreSQL: Multi-AZ primary + read replicas
################################################################################

resource "random_password" "db" {
  length  = 40
  special = false # goes into a URL: keep it to URL-safe characters
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids

  tags = var.tags
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-postgres${var.engine_version}-"
  family      = "postgres${var.engine_version}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier = var.name
  engine     = "postgres"
  # Major version only: AWS applies minor upgrades (auto_minor_version_upgrade) and a
  # pinned minor would make the next plan try to downgrade.
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name  = var.database_name
  username = var.master_username
  password = random_password.db.result
  port     = local.port

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.this.arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true

  # Automated backups + WAL archiving = point-in-time recovery within the window.
  backup_retention_period   = var.backup_retention_period
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  monitoring_interval             = 30
  monitoring_role_arn             = aws_iam_role.monitoring.arn

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.this.arn
  performance_insights_retention_period = 7

  tags = var.tags
}

resource "aws_db_instance" "replica" {
  #checkov:skip=CKV_AWS_133:Replicas are rebuilt from the primary, whose automated backups and PITR are the recovery path; backups of a replica would only duplicate them.
  count = var.replica_count

  identifier          = "${var.name}-replica-${count.index + 1}"
  replicate_source_db = aws_db_instance.this.identifier
  instance_class      = var.replica_instance_class

  storage_encrypted = true
  kms_key_id        = aws_kms_key.this.arn

  # Replicas serve reads only and are rebuilt from the primary: no standby of their own.
  multi_az               = var.replica_multi_az
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true

  backup_retention_period = 0 # replicas are rebuilt from the primary's backups
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = true

  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  monitoring_interval             = 30
  monitoring_role_arn             = aws_iam_role.monitoring.arn

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.this.arn
  performance_insights_retention_period = 7

  tags = var.tags
}

################################################################################
# ElastiCache Redis: Multi-AZ replication group with automatic failover
################################################################################

resource "random_password" "redis" {
  length  = 64
  special = false # ElastiCache auth tokens reject several symbols; keep it alphanumeric
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids

  tags = var.tags
}

resource "aws_elasticache_parameter_group" "this" {
  name   = "${var.name}-redis"
  family = var.redis_parameter_group_family

  # Cache, sessions and throttles all set a TTL; evict those first, never fail writes.
  parameter {
    name  = "maxmemory-policy"
    value = "volatile-lru"
  }

  tags = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "${var.name} cache, sessions and throttles"

  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  num_cache_clusters   = var.redis_num_cache_clusters
  port                 = local.redis_port
  parameter_group_name = aws_elasticache_parameter_group.this.name

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.redis.id]

  automatic_failover_enabled = true
  multi_az_enabled           = true

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.this.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result

  snapshot_retention_limit   = 7
  snapshot_window            = "01:00-02:00"
  maintenance_window         = "sun:04:30-sun:05:30"
  auto_minor_version_upgrade = true

  tags = var.tags
}

################################################################################
# Connection strings for the app, in Secrets Manager
################################################################################

locals {
  database_url = "postgres://${var.master_username}:${random_password.db.result}@${aws_db_instance.this.address}:${local.port}/${var.database_name}?sslmode=require"
  replica_urls = join(",", [
    for r in aws_db_instance.replica :
    "postgres://${var.master_username}:${random_password.db.result}@${r.address}:${local.port}/${var.database_name}?sslmode=require"
  ])
  redis_url = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${local.redis_port}/0"

  secrets = {
    database-url          = local.database_url
    database-replica-urls = local.replica_urls
    redis-url             = local.redis_url
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:No rotation schedule: the URLs embed passwords Terraform sets on RDS and ElastiCache, and a Secrets Manager rotation would change the secret without the resource (drift). Rotation is manual, `terraform apply -replace` of the random_password (docs/deploy.md).
  for_each = local.secrets

  name                    = "${var.name}/${each.key}"
  description             = "${var.name} ${each.key} (connection string for the app)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = local.secrets

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = each.value
}

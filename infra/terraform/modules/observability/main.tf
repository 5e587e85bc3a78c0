data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_elb_service_account" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  # The log bucket's name is fixed up front so the delivery policy can name it.
  logs_bucket_name = "${var.name}-logs-${local.account_id}-${local.region}"
  region           = data.aws_region.current.name
  partition        = data.aws_partition.current.partition

  redis_nodes = [for i in range(var.redis_num_cache_clusters) : format("%s-%03d", var.redis_replication_group_id, i + 1)]
  db_all      = concat([var.db_instance_identifier], var.db_replica_identifiers)
  # Short alarm keys: rds-primary, rds-replica-1, redis-001 (names are prefixed anyway).
  db_labels   = { for db in local.db_all : db => db == var.db_instance_identifier ? "primary" : trimprefix(db, "${var.db_instance_identifier}-") }
  alarm_topic = [aws_sns_topic.alarms.arn]
}

################################################################################
# Encryption key: log groups and the alarm topic
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} observability (log groups, alarm topic)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/ecs/${var.name}/*" }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted alarm topic.
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-observability"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Log groups of the ECS task definitions (services and ops)
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(var.services)

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = merge(var.tags, { Service = each.key })
}

################################################################################
# Access-log bucket (ALB, CloudFront, S3 server access logs, Global Accelerator)
################################################################################

data "aws_iam_policy_document" "log_delivery" {
  statement {
    sid       = "AlbAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "AlbAccessLogsServicePrincipal"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}/alb/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}/s3/*"]

    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  # Global Accelerator flow logs (only written when the accelerator is enabled).
  statement {
    sid       = "GlobalAcceleratorFlowLogs"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}/globalaccelerator/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "GlobalAcceleratorFlowLogsAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = ["arn:${local.partition}:s3:::${local.logs_bucket_name}"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

module "logs" {
  source = "../s3-bucket"

  bucket = local.logs_bucket_name
  # ALB access logs and S3 server access logs can only be delivered to SSE-S3 buckets;
  # CloudFront standard logging writes through the awslogsdelivery ACL grant.
  kms_key_arn                        = null
  object_ownership                   = "BucketOwnerPreferred"
  expiration_days                    = var.logs_bucket_expiration_days
  noncurrent_version_expiration_days = 30
  # The sink itself: logging it into itself would recurse.
  access_logs      = null
  policy_documents = [data.aws_iam_policy_document.log_delivery.json]

  tags = var.tags
}

################################################################################
# Alarm topics (the region's, and one in us-east-1 for CloudFront's metrics)
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_kms_key" "global" {
  provider = aws.us_east_1

  description             = "${var.name} alarm topic of the global (CloudFront) alarms, us-east-1"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
    ]
  })

  tags = var.tags
}

resource "aws_sns_topic" "global_alarms" {
  provider = aws.us_east_1

  name              = "${var.name}-global-alarms"
  kms_master_key_id = aws_kms_key.global.arn

  tags = var.tags
}

resource "aws_sns_topic_subscription" "global_email" {
  provider = aws.us_east_1
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.global_alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

################################################################################
# Alarms: one map, one resource
################################################################################

locals {
  alb_dims = { LoadBalancer = var.alb_arn_suffix }
  tg_dims  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }

  # Every single-metric alarm. Each entry: what to watch and when it is bad.
  metric_alarms = merge(
    {
      alb-p99-latency = {
        description = "p99 target response time above ${var.alb_p99_latency_threshold}s"
        namespace   = "AWS/ApplicationELB", metric = "TargetResponseTime", stat = null, extended_stat = "p99"
        dimensions  = local.tg_dims, period = 60, periods = 5, datapoints = 3
        comparison  = "GreaterThanThreshold", threshold = var.alb_p99_latency_threshold, missing = "notBreaching"
      }
      alb-unhealthy-hosts = {
        description = "Web targets failing the /readyz health check"
        namespace   = "AWS/ApplicationELB", metric = "UnHealthyHostCount", stat = "Maximum", extended_stat = null
        dimensions  = local.tg_dims, period = 60, periods = 3, datapoints = 3
        comparison  = "GreaterThanThreshold", threshold = 0, missing = "notBreaching"
      }
      alb-no-healthy-hosts = {
        description = "No healthy web target: the ALB answers 503 to every request"
        namespace   = "AWS/ApplicationELB", metric = "HealthyHostCount", stat = "Minimum", extended_stat = null
        dimensions  = local.tg_dims, period = 60, periods = 2, datapoints = 2
        comparison  = "LessThanThreshold", threshold = 1, missing = "breaching"
      }
      # The app's own gauge (EMF from the beat-scheduled metrics task): domain events
      # committed but not published to SNS/EventBridge, so customers get no email.
      outbox-lag = {
        description = "Oldest unpublished outbox event older than ${var.outbox_lag_threshold_seconds}s in ${var.environment}: the relay is not publishing"
        namespace   = var.app_metrics_namespace, metric = "OutboxLagSeconds", stat = "Maximum", extended_stat = null
        dimensions  = { Environment = var.environment }, period = 60, periods = 5, datapoints = 5
        comparison  = "GreaterThanThreshold", threshold = var.outbox_lag_threshold_seconds, missing = "notBreaching"
      }
    },
    { for k, q in var.dlq_names : "dlq-${k}" => {
      description = "Messages in dead-letter queue ${q}: inspect, fix, then redrive (docs/deploy.md)"
      namespace   = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", stat = "Maximum", extended_stat = null
      dimensions  = { QueueName = q }, period = 60, periods = 1, datapoints = 1
      comparison  = "GreaterThanThreshold", threshold = 0, missing = "notBreaching"
    } },
    { for k, t in var.dynamodb_table_names : "dynamodb-${k}-read-throttled" => {
      description = "Reads of DynamoDB table ${t} throttled: raise its capacity (or its auto scaling maximum)"
      namespace   = "AWS/DynamoDB", metric = "ReadThrottleEvents", stat = "Sum", extended_stat = null
      dimensions  = { TableName = t }, period = 60, periods = 3, datapoints = 2
      comparison  = "GreaterThanThreshold", threshold = 0, missing = "notBreaching"
    } },
    { for k, t in var.dynamodb_table_names : "dynamodb-${k}-write-throttled" => {
      description = "Writes to DynamoDB table ${t} throttled: the projector falls behind"
      namespace   = "AWS/DynamoDB", metric = "WriteThrottleEvents", stat = "Sum", extended_stat = null
      dimensions  = { TableName = t }, period = 60, periods = 3, datapoints = 2
      comparison  = "GreaterThanThreshold", threshold = 0, missing = "notBreaching"
    } },
    { for k, q in var.queue_names : "queue-age-${k}" => {
      description = "Oldest message in ${q} older than ${var.queue_age_threshold_seconds}s: consumers stuck or too few"
      namespace   = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", stat = "Maximum", extended_stat = null
      dimensions  = { QueueName = q }, period = 60, periods = 5, datapoints = 5
      comparison  = "GreaterThanThreshold", threshold = var.queue_age_threshold_seconds, missing = "notBreaching"
    } },
    { for db in local.db_all : "rds-${local.db_labels[db]}-cpu" => {
      description = "RDS ${db} CPU above ${var.rds_cpu_threshold}%"
      namespace   = "AWS/RDS", metric = "CPUUtilization", stat = "Average", extended_stat = null
      dimensions  = { DBInstanceIdentifier = db }, period = 300, periods = 3, datapoints = 3
      comparison  = "GreaterThanThreshold", threshold = var.rds_cpu_threshold, missing = "missing"
    } },
    { for db in local.db_all : "rds-${local.db_labels[db]}-free-storage" => {
      description = "RDS ${db} has less than ${var.rds_free_storage_threshold_gib} GiB free (storage autoscaling at its ceiling?)"
      namespace   = "AWS/RDS", metric = "FreeStorageSpace", stat = "Minimum", extended_stat = null
      dimensions  = { DBInstanceIdentifier = db }, period = 300, periods = 2, datapoints = 2
      comparison  = "LessThanThreshold", threshold = var.rds_free_storage_threshold_gib * 1073741824, missing = "missing"
    } },
    { for db in local.db_all : "rds-${local.db_labels[db]}-freeable-memory" => {
      description = "RDS ${db} has less than ${var.rds_freeable_memory_threshold_mib} MiB freeable memory"
      namespace   = "AWS/RDS", metric = "FreeableMemory", stat = "Minimum", extended_stat = null
      dimensions  = { DBInstanceIdentifier = db }, period = 300, periods = 3, datapoints = 3
      comparison  = "LessThanThreshold", threshold = var.rds_freeable_memory_threshold_mib * 1048576, missing = "missing"
    } },
    { for db in local.db_all : "rds-${local.db_labels[db]}-connections" => {
      description = "RDS ${db} has more than ${var.rds_connections_threshold} connections (pool sizes x tasks near max_connections?)"
      namespace   = "AWS/RDS", metric = "DatabaseConnections", stat = "Maximum", extended_stat = null
      dimensions  = { DBInstanceIdentifier = db }, period = 60, periods = 5, datapoints = 3
      comparison  = "GreaterThanThreshold", threshold = var.rds_connections_threshold, missing = "missing"
    } },
    { for db in var.db_replica_identifiers : "rds-${local.db_labels[db]}-lag" => {
      description = "Read replica ${db} more than ${var.replica_lag_threshold_seconds}s behind the primary"
      namespace   = "AWS/RDS", metric = "ReplicaLag", stat = "Maximum", extended_stat = null
      dimensions  = { DBInstanceIdentifier = db }, period = 60, periods = 5, datapoints = 5
      comparison  = "GreaterThanThreshold", threshold = var.replica_lag_threshold_seconds, missing = "breaching"
    } },
    { for n in local.redis_nodes : "redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-cpu" => {
      description = "Redis node ${n} engine CPU above ${var.redis_cpu_threshold}% (Redis is single-threaded)"
      namespace   = "AWS/ElastiCache", metric = "EngineCPUUtilization", stat = "Average", extended_stat = null
      dimensions  = { CacheClusterId = n }, period = 300, periods = 3, datapoints = 3
      comparison  = "GreaterThanThreshold", threshold = var.redis_cpu_threshold, missing = "missing"
    } },
    { for n in local.redis_nodes : "redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-memory" => {
      description = "Redis node ${n} uses more than ${var.redis_memory_threshold}% of its memory"
      namespace   = "AWS/ElastiCache", metric = "DatabaseMemoryUsagePercentage", stat = "Maximum", extended_stat = null
      dimensions  = { CacheClusterId = n }, period = 300, periods = 2, datapoints = 2
      comparison  = "GreaterThanThreshold", threshold = var.redis_memory_threshold, missing = "missing"
    } },
    { for n in local.redis_nodes : "redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-evictions" => {
      description = "Redis node ${n} is evicting keys (sessions may be lost): scale the node type"
      namespace   = "AWS/ElastiCache", metric = "Evictions", stat = "Sum", extended_stat = null
      dimensions  = { CacheClusterId = n }, period = 300, periods = 2, datapoints = 2
      comparison  = "GreaterThanThreshold", threshold = 0, missing = "notBreaching"
    } },
    { for k, s in var.ecs_services : "${k}-running-tasks" => {
      description = "Fewer than ${s.min_running} running tasks of ${s.name}"
      namespace   = "ECS/ContainerInsights", metric = "RunningTaskCount", stat = "Minimum", extended_stat = null
      dimensions  = { ClusterName = var.ecs_cluster_name, ServiceName = s.name }, period = 60, periods = 3, datapoints = 3
      comparison  = "LessThanThreshold", threshold = s.min_running, missing = "breaching"
    } },
  )

  # 5xx as a share of requests: the targets' own errors, and the ALB's (502/503/504
  # when no target is healthy or a target drops the connection).
  rate_alarms = {
    alb-target-5xx-rate = { errors = "HTTPCode_Target_5XX_Count", threshold = var.alb_5xx_rate_threshold, description = "More than ${var.alb_5xx_rate_threshold}% of requests answered with a target 5xx" }
    alb-elb-5xx-rate    = { errors = "HTTPCode_ELB_5XX_Count", threshold = var.alb_5xx_rate_threshold, description = "More than ${var.alb_5xx_rate_threshold}% of requests answered with a load-balancer 5xx (no healthy target, timeouts)" }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.metric_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.stat
  extended_statistic  = each.value.extended_stat
  dimensions          = each.value.dimensions
  period              = each.value.period
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.datapoints
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "rate" {
  for_each = local.rate_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_topic
  ok_actions          = local.alarm_topic

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = each.value.errors
      period      = 60
      stat        = "Sum"
      dimensions  = local.alb_dims
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      period      = 60
      stat        = "Sum"
      dimensions  = local.alb_dims
    }
  }

  tags = var.tags
}

# CloudFront publishes its metrics in us-east-1 only (Region = Global).
resource "aws_cloudwatch_metric_alarm" "cloudfront_5xx_rate" {
  provider = aws.us_east_1

  alarm_name          = "${var.name}-cloudfront-5xx-rate"
  alarm_description   = "More than ${var.cloudfront_5xx_rate_threshold}% of viewer requests of the site distribution end in a 5xx"
  namespace           = "AWS/CloudFront"
  metric_name         = "5xxErrorRate"
  statistic           = "Average"
  dimensions          = { DistributionId = var.cloudfront_distribution_id, Region = "Global" }
  period              = 300
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cloudfront_5xx_rate_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.global_alarms.arn]
  ok_actions          = [aws_sns_topic.global_alarms.arn]

  tags = var.tags
}
################################################################################
# Dashboard
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name

  dashboard_body = jsonencode({
    widgets = [
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title  = "Requests and target 5xx"
          region = local.region
          stat   = "Sum"
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
          ]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title  = "Target response time"
          region = local.region
          period = 60
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, { stat = "p50" }],
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix, { stat = "p99" }],
          ]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 12, height = 6
        properties = {
          title   = "Queue depth"
          region  = local.region
          stat    = "Maximum"
          period  = 60
          metrics = [for q in values(var.queue_names) : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q]]
        }
      },
      {
        type = "metric", x = 12, y = 6, width = 12, height = 6
        properties = {
          title   = "Dead-letter queues"
          region  = local.region
          stat    = "Maximum"
          period  = 60
          metrics = [for q in values(var.dlq_names) : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q]]
        }
      },
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title   = "RDS CPU"
          region  = local.region
          stat    = "Average"
          period  = 300
          metrics = [for db in local.db_all : ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db]]
        }
      },
      {
        type = "metric", x = 12, y = 12, width = 12, height = 6
        properties = {
          title   = "ECS running tasks"
          region  = local.region
          stat    = "Minimum"
          period  = 60
          metrics = [for s in values(var.ecs_services) : ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName", var.ecs_cluster_name, "ServiceName", s.name]]
        }
      },
    ]
  })
}

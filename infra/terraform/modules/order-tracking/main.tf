# The order tracking read model: one DynamoDB item per order number, written by the
# projector service (manage.py project_order_tracking) from the order-tracking queue
# and read by the web tasks when ORDER_TRACKING_STORE=dynamodb (orders/tracking_table.py).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  provisioned = var.billing_mode == "PROVISIONED"
  # Application Auto Scaling keeps provisioned capacity near the target utilisation.
  scaled = local.provisioned ? {
    read  = { dimension = "dynamodb:table:ReadCapacityUnits", metric = "DynamoDBReadCapacityUtilization", min = var.read_capacity.min, max = var.read_capacity.max }
    write = { dimension = "dynamodb:table:WriteCapacityUnits", metric = "DynamoDBWriteCapacityUtilization", min = var.write_capacity.min, max = var.write_capacity.max }
  } : {}
}

################################################################################
# Encryption key of the table (and its backups)
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} order tracking table"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  # The account administers the key; the task roles' own policies grant its use
  # through DynamoDB only (kms:ViaService), see ecs-services/iam.tf.
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
  name          = "alias/${var.name}-order-tracking"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# The table
################################################################################

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV2_AWS_16:On demand by default (no capacity to scale); with billing_mode PROVISIONED the read and write capacity are auto scaled by aws_appautoscaling_target.this / aws_appautoscaling_policy.this below, whose for_each over local.scaled checkov cannot resolve.
  name         = var.table_name
  billing_mode = var.billing_mode
  hash_key     = "number"

  # Starting capacity when provisioned; Application Auto Scaling moves it after.
  read_capacity  = local.provisioned ? var.read_capacity.min : null
  write_capacity = local.provisioned ? var.write_capacity.min : null

  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "number"
    type = "S"
  }

  # Items expire ORDER_TRACKING_TTL_DAYS after the order's newest event; a page of
  # an expired order falls back to RDS.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }

  lifecycle {
    # Auto scaling owns the capacity of a provisioned table.
    ignore_changes = [read_capacity, write_capacity]
  }

  tags = merge(var.tags, { Role = "order-tracking-read-model" })
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.scaled

  service_namespace  = "dynamodb"
  resource_id        = "table/${aws_dynamodb_table.this.name}"
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.min
  max_capacity       = each.value.max
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.scaled

  name               = "${var.name}-order-tracking-${each.key}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.target_utilization

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}

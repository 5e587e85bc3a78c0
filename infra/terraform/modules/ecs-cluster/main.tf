data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.name
  partition      = data.aws_partition.current.partition
  exec_log_group = "/ecs/${var.name}/exec-audit"
  ec2_enabled    = var.ec2_spot.enabled
  ec2_name       = "${var.name}-ec2-spot"
}

################################################################################
# KMS key of the cluster: ECS Exec sessions and their audit log, ECR images, the
# app's own secrets
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} ECS (exec sessions and audit log, ECR, app secrets)"
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
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.exec_log_group}" }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-ecs"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Cluster with ECS Exec: sessions encrypted, every command logged
################################################################################

resource "aws_cloudwatch_log_group" "exec_audit" {
  name              = local.exec_log_group
  retention_in_days = var.exec_audit_log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  configuration {
    execute_command_configuration {
      kms_key_id = aws_kms_key.this.arn
      logging    = "OVERRIDE"

      log_configuration {
        cloud_watch_encryption_enabled = true
        cloud_watch_log_group_name     = aws_cloudwatch_log_group.exec_audit.name
      }
    }
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = concat(["FARGATE", "FARGATE_SPOT"], aws_ecs_capacity_provider.ec2_spot[*].name)

  # Services name their own strategy; one-off tasks (migrations) default to on-demand.
  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 0
    weight            = 1
  }
}

################################################################################
# Optional: EC2 Spot Auto Scaling group as a capacity provider (off by default)
################################################################################

data "aws_ssm_parameter" "ecs_ami" {
  count = local.ec2_enabled ? 1 : 0

  name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  name               = "${local.ec2_name}-instance"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  role       = aws_iam_role.ec2[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  name = "${local.ec2_name}-instance"
  role = aws_iam_role.ec2[0].name

  tags = var.tags
}

resource "aws_security_group" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  name        = "${local.ec2_name}-instances"
  description = "ECS container instances: no inbound, HTTPS out to the ECS and ECR endpoints"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.ec2_name}-instances" })
}

resource "aws_vpc_security_group_egress_rule" "ec2_https" {
  count = local.ec2_enabled ? 1 : 0

  security_group_id = aws_security_group.ec2[0].id
  description       = "HTTPS to the ECS, ECR and CloudWatch endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_launch_template" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  name_prefix            = "${local.ec2_name}-"
  image_id               = data.aws_ssm_parameter.ecs_ami[0].value
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.ec2[0].id]

  iam_instance_profile {
    arn = aws_iam_instance_profile.ec2[0].arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 30
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  user_data = base64encode(<<-EOT
    #!/bin/bash
    cat >> /etc/ecs/ecs.config <<EOF
    ECS_CLUSTER=${var.name}
    ECS_ENABLE_SPOT_INSTANCE_DRAINING=true
    ECS_CONTAINER_STOP_TIMEOUT=120s
    EOF
  EOT
  )

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = local.ec2_name })
  }

  tags = var.tags
}

resource "aws_autoscaling_group" "ec2" {
  count = local.ec2_enabled ? 1 : 0

  name_prefix               = "${local.ec2_name}-"
  vpc_zone_identifier       = var.private_subnet_ids
  min_size                  = 0
  max_size                  = var.ec2_spot.max_size
  health_check_type         = "EC2"
  health_check_grace_period = 120
  capacity_rebalance        = true
  # ECS managed termination protection decides which instances may go.
  protect_from_scale_in = true

  mixed_instances_policy {
    instances_distribution {
      on_demand_base_capacity                  = 0
      on_demand_percentage_above_base_capacity = 0
      spot_allocation_strategy                 = "price-capacity-optimized"
    }

    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.ec2[0].id
        version            = "$Latest"
      }

      dynamic "override" {
        for_each = var.ec2_spot.instance_types
        content {
          instance_type = override.value
        }
      }
    }
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  dynamic "tag" {
    for_each = var.tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    # Managed scaling owns the desired capacity.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "ec2_spot" {
  count = local.ec2_enabled ? 1 : 0

  name = local.ec2_name

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.ec2[0].arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 4
    }
  }

  tags = var.tags
}

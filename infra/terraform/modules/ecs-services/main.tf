data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  port       = 8000

  celery_queue_arns = [for k in var.celery_queues : var.queue_arns[k]]
  all_queue_arns    = values(var.queue_arns)
  all_dlq_arns      = values(var.dlq_arns)

  # Capacity: web and beat on on-demand Fargate; workers and notification consumers
  # (idempotent, SQS redelivers what an interrupted task had in hand) on Fargate Spot
  # with an on-demand base, or on the EC2 Spot capacity provider when it is enabled.
  capacity = {
    on-demand = [{ capacity_provider = "FARGATE", base = 0, weight = 1 }]
    spot = [
      { capacity_provider = "FARGATE", base = var.spot_on_demand_base, weight = 0 },
      { capacity_provider = "FARGATE_SPOT", base = 0, weight = 1 },
    ]
    ec2-spot = [{ capacity_provider = coalesce(var.ec2_spot_capacity_provider, "none"), base = 0, weight = 1 }]
  }
  worker_capacity = var.ec2_spot_capacity_provider == null ? "spot" : "ec2-spot"

  # One service per workload. The notification consumers are derived from the channel
  # queues of messaging.json ("notifications-<channel>" -> --channel <channel>).
  channel_services = {
    for q in var.channel_queues : q => {
      kind          = "consumer"
      capacity      = "spot"
      command       = ["python", "manage.py", "consume_notifications", "--channel", trimprefix(q, "notifications-")]
      cpu           = var.notifications.cpu
      memory        = var.notifications.memory
      desired_count = var.notifications.min
      min           = var.notifications.min
      max           = var.notifications.max
      max_percent   = 200
      min_percent   = 100
      queues        = [q]
    }
  }

  services = merge({
    web = {
      kind          = "web"
      capacity      = "on-demand"
      command       = ["gunicorn", "securecart.wsgi:application", "--preload", "--bind", "0.0.0.0:${local.port}", "--workers", tostring(var.web.gunicorn_workers), "--worker-tmp-dir", "/tmp", "--access-logfile", "-"]
      cpu           = var.web.cpu
      memory        = var.web.memory
      desired_count = var.web.min
      min           = var.web.min
      max           = var.web.max
      max_percent   = 200
      min_percent   = 100
      queues        = []
    }
    worker = {
      kind          = "worker"
      capacity      = local.worker_capacity
      command       = ["celery", "-A", "securecart", "worker", "-Q", join(",", var.celery_queues), "--concurrency", tostring(var.worker.concurrency), "--loglevel", "INFO"]
      cpu           = var.worker.cpu
      memory        = var.worker.memory
      desired_count = var.worker.min
      min           = var.worker.min
      max           = var.worker.max
      max_percent   = 200
      min_percent   = 100
      queues        = var.celery_queues
    }
    # Exactly one scheduler, ever: a deployment stops the old task before starting the new.
    beat = {
      kind          = "beat"
      capacity      = "on-demand"
      command       = ["celery", "-A", "securecart", "beat", "--loglevel", "INFO", "--schedule", "/tmp/celerybeat-schedule"]
      cpu           = 256
      memory        = 512
      desired_count = 1
      min           = 1
      max           = 1
      max_percent   = 100
      min_percent   = 0
      queues        = []
    }
    # The order tracking projector: the order-tracking queue into the DynamoDB table.
    order-tracking = {
      kind          = "projector"
      capacity      = "spot"
      command       = ["python", "manage.py", "project_order_tracking"]
      cpu           = var.projector.cpu
      memory        = var.projector.memory
      desired_count = var.projector.min
      min           = var.projector.min
      max           = var.projector.max
      max_percent   = 200
      min_percent   = 100
      queues        = var.projector_queues
    }
  }, local.channel_services, local.steps_services)

  # One-off tasks (migrations, doctor, redrive, staff user, reference data) run the
  # ops task definition: same image and environment, its own role, no service.
  ops = {
    kind    = "ops"
    command = ["python", "manage.py", "check", "--deploy"]
    cpu     = var.ops.cpu
    memory  = var.ops.memory
  }
  task_definitions = merge(local.services, { ops = local.ops })

  # FULFILMENT_ENGINE=stepfunctions: `manage.py consume_fulfilment` runs the steps the
  # state machine sends to the fulfilment-steps queue and answers the task tokens.
  # Idempotent steps, so Spot like the worker.
  stepfunctions = var.orchestration.fulfilment_engine == "stepfunctions"
  steps_services = {
    for q in (local.stepfunctions ? [var.orchestration.steps_queue] : []) : q => {
      kind          = "steps"
      capacity      = "spot"
      command       = ["python", "manage.py", "consume_fulfilment"]
      cpu           = var.worker.cpu
      memory        = var.worker.memory
      desired_count = var.worker.min
      min           = var.worker.min
      max           = var.worker.max
      max_percent   = 200
      min_percent   = 100
      queues        = [q]
    }
  }

  autoscaled   = { for k, s in local.services : k => s if s.kind != "beat" }
  queue_scaled = { for k, s in local.services : k => s if length(s.queues) > 0 }

  # THE task environment: every task definition (services and ops) gets exactly this,
  # plus OTEL_SERVICE_NAME. tests/infra checks it against securecart/settings.
  environment = {
    DJANGO_SETTINGS_MODULE       = "securecart.settings.production"
    DJANGO_ALLOWED_HOSTS         = join(",", var.allowed_hosts)
    DJANGO_CSRF_TRUSTED_ORIGINS  = join(",", [for h in var.site_hosts : "https://${h}"])
    DJANGO_EMAIL_BACKEND         = "django.core.mail.backends.smtp.EmailBackend"
    SECURECART_ENVIRONMENT       = var.environment
    TRUSTED_PROXY_COUNT          = tostring(var.trusted_proxy_count)
    PAYMENT_GATEWAY              = var.payment_gateway
    CELERY_BROKER_URL            = "sqs://"
    SQS_PREDEFINED_QUEUES        = "1"
    SQS_QUEUE_PREFIX             = var.queue_prefix
    AWS_ACCOUNT_ID               = local.account_id
    AWS_REGION                   = local.region
    AWS_STORAGE_BUCKET_NAME      = var.media_bucket_name
    CLOUDFRONT_DOMAIN            = var.cloudfront_domain
    AWS_CLOUDFRONT_KEY_ID        = var.cloudfront_key_id
    SNS_ORDER_EVENTS_TOPIC_ARN   = var.order_events_topic_arn
    EVENT_BUS_NAME               = var.event_bus_name
    DEFAULT_FROM_EMAIL           = var.default_from_email
    EMAIL_HOST                   = var.email_host != "" ? var.email_host : "email-smtp.${local.region}.amazonaws.com"
    OTEL_EXPORTER_OTLP_ENDPOINT  = var.otel_exporter_otlp_endpoint
    SECURECART_METRICS_FORMAT    = "emf"
    SECURECART_METRICS_NAMESPACE = var.metrics_namespace
    STAFF_USER_SECRET_ID         = aws_secretsmanager_secret.this["staff-user"].arn
    FULFILMENT_ENGINE            = var.orchestration.fulfilment_engine
    FULFILMENT_STATE_MACHINE_ARN = var.orchestration.state_machine_arn == null ? "" : var.orchestration.state_machine_arn
    FULFILMENT_STEPS_QUEUE       = var.orchestration.steps_queue
    FRAUD_SCORER                 = var.orchestration.fraud_scorer
    FRAUD_FUNCTION_NAME          = var.orchestration.fraud_function_name == null ? "" : var.orchestration.fraud_function_name
    API_GATEWAY_PARTNERS         = jsonencode(var.api_gateway.partners)
    ORDER_TRACKING_STORE         = var.order_tracking_store
    ORDER_TRACKING_TABLE         = var.order_tracking_table_name
    ORDER_TRACKING_TTL_DAYS      = tostring(var.order_tracking_ttl_days)
  }

  secrets = merge({
    DJANGO_SECRET_KEY     = aws_secretsmanager_secret.this["django-secret-key"].arn
    DATABASE_URL          = var.database_url_secret_arn
    DATABASE_REPLICA_URLS = var.database_replica_urls_secret_arn
    REDIS_URL             = var.redis_url_secret_arn
    AWS_CLOUDFRONT_KEY    = var.cloudfront_key_secret_arn
    EMAIL_HOST_USER       = "${aws_secretsmanager_secret.this["email-smtp"].arn}:username::"
    EMAIL_HOST_PASSWORD   = "${aws_secretsmanager_secret.this["email-smtp"].arn}:password::"
    }, {
    # Only with the API Gateway entry: the app trusts X-Api-Partner only with it.
    for k, v in { API_GATEWAY_VERIFY_SECRET = var.api_gateway.verify_secret_arn } : k => v if var.api_gateway.enabled
  })

  web_health_check = {
    command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.port}/healthz', timeout=3)"]
    interval    = 15
    timeout     = 5
    retries     = 3
    startPeriod = 30
  }

  # Injected into containers by the execution role.
  secret_arns = concat([
    aws_secretsmanager_secret.this["django-secret-key"].arn,
    aws_secretsmanager_secret.this["email-smtp"].arn,
    var.database_url_secret_arn,
    var.database_replica_urls_secret_arn,
    var.redis_url_secret_arn,
    var.cloudfront_key_secret_arn,
  ], var.api_gateway.enabled ? [var.api_gateway.verify_secret_arn] : [])

  # Root filesystems are read-only: /tmp is scratch, the two SSM paths let the ECS Exec
  # agent keep its state and logs.
  writable_paths = {
    tmp     = "/tmp"
    ssm-lib = "/var/lib/amazon/ssm"
    ssm-log = "/var/log/amazon/ssm"
  }
}

################################################################################
# App secrets
################################################################################

resource "random_password" "django_secret_key" {
  length  = 64
  special = true
}

resource "random_password" "staff_user" {
  length  = 32
  special = true
}

locals {
  # Initial values; Terraform never overwrites a value once set (ignore_changes).
  app_secrets = {
    django-secret-key = random_password.django_secret_key.result
    email-smtp        = jsonencode({ username = "set-me", password = "set-me" })
    staff-user        = jsonencode({ email = var.staff_email, password = random_password.staff_user.result })
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:No rotation schedule for these three: rotating DJANGO_SECRET_KEY signs every user out and voids signed tokens; SES SMTP credentials derive from an IAM user key that the operator replaces; the staff-user password is changed by putting a new value and re-running ensure_staff_user. Each is a manual, documented step (docs/deploy.md).
  for_each = local.app_secrets

  name                    = "${var.name}/${each.key}"
  description             = "${var.name} ${each.key}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = local.app_secrets

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = each.value

  lifecycle {
    ignore_changes = [secret_string]
  }
}

################################################################################
# ECR repository of the app image (multi-arch manifests, immutable tags)
################################################################################

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 100 images (rollback window)"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 100 }
      action       = { type = "expire" }
    }]
  })
}

################################################################################
# Security group of the tasks
################################################################################

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "ECS tasks of the app"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-app" })
}

resource "aws_vpc_security_group_ingress_rule" "app_from_alb" {
  security_group_id            = aws_security_group.app.id
  description                  = "gunicorn from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_app" {
  security_group_id            = var.alb_security_group_id
  description                  = "To the web tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_egress_rule" "app_https" {
  security_group_id = aws_security_group.app.id
  description       = "HTTPS: AWS APIs (VPC endpoints), payment gateway, ECR layers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "app_smtp" {
  security_group_id = aws_security_group.app.id
  description       = "SES SMTP (STARTTLS)"
  ip_protocol       = "tcp"
  from_port         = 587
  to_port           = 587
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "app_data" {
  for_each = { postgres = 5432, redis = 6379 }

  security_group_id = aws_security_group.app.id
  description       = "${each.key} inside the VPC"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = var.vpc_cidr_block
}

################################################################################
# Task definitions (ARM64 / Graviton), services
################################################################################

resource "aws_ecs_task_definition" "this" {
  for_each = local.task_definitions

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = each.value.kind == "worker" && local.worker_capacity == "ec2-spot" ? ["FARGATE", "EC2"] : ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "ARM64"
  }

  dynamic "volume" {
    for_each = local.writable_paths
    content {
      name = volume.key
    }
  }

  container_definitions = jsonencode([
    merge({
      name                   = "app"
      image                  = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
      essential              = true
      command                = each.value.command
      user                   = "10001"
      readonlyRootFilesystem = true
      stopTimeout            = 120
      linuxParameters        = { initProcessEnabled = true }
      mountPoints            = [for v, p in local.writable_paths : { sourceVolume = v, containerPath = p, readOnly = false }]
      portMappings           = each.key == "web" ? [{ containerPort = local.port, protocol = "tcp" }] : []

      environment = [
        for k, v in merge(local.environment, { OTEL_SERVICE_NAME = "${var.name}-${each.key}" }) : { name = k, value = v }
      ]
      secrets = [for k, v in local.secrets : { name = k, valueFrom = v }]

      dependsOn = [{ containerName = "otel-collector", condition = "START" }]

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.log_group_names[each.key]
          awslogs-region        = local.region
          awslogs-stream-prefix = "app"
        }
      }
      },
      # Only the web container answers HTTP; the others have no port to probe.
      { for k, v in { healthCheck = local.web_health_check } : k => v if each.key == "web" },
    ),
    {
      name                   = "otel-collector"
      image                  = var.otel_collector_image
      essential              = false
      command                = ["--config=/etc/ecs/ecs-default-config.yaml"]
      readonlyRootFilesystem = true

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.log_group_names[each.key]
          awslogs-region        = local.region
          awslogs-stream-prefix = "otel"
        }
      }
    },
  ])

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_ecs_service" "this" {
  for_each = local.services

  name                   = each.key
  cluster                = var.cluster_id
  task_definition        = aws_ecs_task_definition.this[each.key].arn
  desired_count          = each.value.desired_count
  platform_version       = each.value.capacity == "ec2-spot" ? null : "LATEST"
  enable_execute_command = var.enable_execute_command

  dynamic "capacity_provider_strategy" {
    for_each = local.capacity[each.value.capacity]
    content {
      capacity_provider = capacity_provider_strategy.value.capacity_provider
      base              = capacity_provider_strategy.value.base
      weight            = capacity_provider_strategy.value.weight
    }
  }

  deployment_maximum_percent         = each.value.max_percent
  deployment_minimum_healthy_percent = each.value.min_percent
  health_check_grace_period_seconds  = each.key == "web" ? 60 : null

  # A deployment whose tasks fail to become healthy rolls back by itself, and
  # `terraform apply` returns only once the service is steady (or has rolled back).
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  wait_for_steady_state = true

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.key == "web" ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = "app"
      container_port   = local.port
    }
  }

  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    # Autoscaling owns the running count after the first apply.
    ignore_changes = [desired_count]
  }
}

################################################################################
# Autoscaling: target tracking, plus scheduled capacity for a known sale
################################################################################

resource "aws_appautoscaling_target" "this" {
  for_each = local.autoscaled

  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.this[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = each.value.min
  max_capacity       = each.value.max
}

resource "aws_appautoscaling_policy" "web_cpu" {
  name               = "${var.name}-web-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this["web"].service_namespace
  resource_id        = aws_appautoscaling_target.this["web"].resource_id
  scalable_dimension = aws_appautoscaling_target.this["web"].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.web.cpu_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "web_requests" {
  name               = "${var.name}-web-requests-per-target"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this["web"].service_namespace
  resource_id        = aws_appautoscaling_target.this["web"].resource_id
  scalable_dimension = aws_appautoscaling_target.this["web"].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.web.requests_per_target_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffix}"
    }
  }
}

# Queue consumers track backlog per task: visible messages of their queues divided by
# their running tasks (the AWS-recommended metric for SQS workers).
resource "aws_appautoscaling_policy" "queue_backlog" {
  for_each = local.queue_scaled

  name               = "${var.name}-${each.key}-backlog-per-task"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = contains(["worker", "steps"], each.value.kind) ? var.worker.backlog_per_task : each.value.kind == "projector" ? var.projector.backlog_per_task : var.notifications.backlog_per_task
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      dynamic "metrics" {
        for_each = each.value.queues
        content {
          id          = "q${metrics.key}"
          return_data = false
          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/SQS"
              metric_name = "ApproximateNumberOfMessagesVisible"
              dimensions {
                name  = "QueueName"
                value = var.queue_names[metrics.value]
              }
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = var.cluster_name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.this[each.key].name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Visible messages per running task"
        expression  = "(${join(" + ", [for i, q in each.value.queues : "q${i}"])}) / tasks"
        return_data = true
      }
    }
  }
}

locals {
  # A known peak ("the sale starts at ..."): raise the floor of each listed service
  # warmup_minutes before the start, put it back duration_hours after. Target tracking
  # keeps working on top of the raised floor.
  sale_start = var.sale.starts_at == null ? null : timeadd(var.sale.starts_at, "-${var.sale.warmup_minutes}m")
  sale_end   = var.sale.starts_at == null ? null : timeadd(var.sale.starts_at, "${var.sale.duration_hours}h")
  sale_actions = var.sale.starts_at == null ? {} : merge([
    for svc, min in var.sale.min_tasks : {
      "${svc}-sale-start" = { service = svc, at = local.sale_start, min = min, max = max(min, local.autoscaled[svc].max) }
      "${svc}-sale-end"   = { service = svc, at = local.sale_end, min = local.autoscaled[svc].min, max = local.autoscaled[svc].max }
    }
  ]...)
}

resource "aws_appautoscaling_scheduled_action" "sale" {
  for_each = local.sale_actions

  name               = "${var.name}-${each.key}"
  service_namespace  = aws_appautoscaling_target.this[each.value.service].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.value.service].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.value.service].scalable_dimension
  schedule           = "at(${formatdate("YYYY-MM-DD'T'hh:mm:ss", each.value.at)})"
  timezone           = "UTC"

  scalable_target_action {
    min_capacity = each.value.min
    max_capacity = each.value.max
  }
}

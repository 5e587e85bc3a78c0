data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition
  port       = 8000

  celery_queue_arns = [for k in var.celery_queues : var.queue_arns[k]]
  celery_dlq_arns   = [for k in var.celery_queues : var.dlq_arns[k]]

  # One service per workload. The notification consumers are derived from the channel
  # queues of messaging.json ("notifications-<channel>" -> --channel <channel>).
  channel_services = {
    for q in var.channel_queues : q => {
      kind          = "consumer"
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
      command       = ["gunicorn", "securecart.wsgi:application", "--bind", "0.0.0.0:${local.port}", "--workers", tostring(var.web.gunicorn_workers), "--worker-tmp-dir", "/tmp", "--access-logfile", "-"]
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
  }, local.channel_services)

  autoscaled   = { for k, s in local.services : k => s if s.kind != "beat" }
  queue_scaled = { for k, s in local.services : k => s if length(s.queues) > 0 }

  environment = {
    DJANGO_SETTINGS_MODULE      = "securecart.settings.production"
    DJANGO_ALLOWED_HOSTS        = join(",", var.allowed_hosts)
    CELERY_BROKER_URL           = "sqs://"
    AWS_REGION                  = local.region
    AWS_STORAGE_BUCKET_NAME     = var.media_bucket_name
    CLOUDFRONT_DOMAIN           = var.cloudfront_domain
    AWS_CLOUDFRONT_KEY_ID       = var.cloudfront_key_id
    SNS_ORDER_EVENTS_TOPIC_ARN  = var.order_events_topic_arn
    EVENT_BUS_NAME              = var.event_bus_name
    SQS_QUEUE_PREFIX            = var.queue_prefix
    DEFAULT_FROM_EMAIL          = var.default_from_email
    EMAIL_HOST                  = var.email_host != "" ? var.email_host : "email-smtp.${local.region}.amazonaws.com"
    OTEL_EXPORTER_OTLP_ENDPOINT = var.otel_exporter_otlp_endpoint
    SECURECART_METRICS_FORMAT   = "emf"
  }

  secrets = {
    DJANGO_SECRET_KEY     = aws_secretsmanager_secret.this["django-secret-key"].arn
    DATABASE_URL          = var.database_url_secret_arn
    DATABASE_REPLICA_URLS = var.database_replica_urls_secret_arn
    REDIS_URL             = var.redis_url_secret_arn
    AWS_CLOUDFRONT_KEY    = var.cloudfront_key_secret_arn
    EMAIL_HOST_USER       = "${aws_secretsmanager_secret.this["email-smtp"].arn}:username::"
    EMAIL_HOST_PASSWORD   = "${aws_secretsmanager_secret.this["email-smtp"].arn}:password::"
  }

  web_health_check = {
    command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.port}/healthz', timeout=3)"]
    interval    = 15
    timeout     = 5
    retries     = 3
    startPeriod = 30
  }

  secret_arns = [
    aws_secretsmanager_secret.this["django-secret-key"].arn,
    aws_secretsmanager_secret.this["email-smtp"].arn,
    var.database_url_secret_arn,
    var.database_replica_urls_secret_arn,
    var.redis_url_secret_arn,
    var.cloudfront_key_secret_arn,
  ]
}

################################################################################
# KMS key: ECR images and the app's own secrets
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} compute (ECR, app secrets)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdmin"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-compute"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# App secrets
################################################################################

resource "random_password" "django_secret_key" {
  length  = 64
  special = true
}

locals {
  # Initial values. The SES SMTP credentials are put by the operator (see README);
  # Terraform never overwrites a value once set.
  app_secrets = {
    django-secret-key = random_password.django_secret_key.result
    email-smtp        = jsonencode({ username = "set-me", password = "set-me" })
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:DJANGO_SECRET_KEY cannot rotate on a schedule without logging every user out and voiding signed tokens; SES SMTP credentials derive from an IAM key rotated by the operator. Both are rotated deliberately (README).
  for_each = local.app_secrets

  name                    = "${var.name}/${each.key}"
  description             = "${var.name} ${each.key}"
  kms_key_id              = aws_kms_key.this.arn
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
# ECR repository of the app image
################################################################################

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.this.arn
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
# Security groups
################################################################################

data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Load balancer: reachable from CloudFront origin-facing addresses only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from CloudFront"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  #checkov:skip=CKV_AWS_260:False positive: the source is CloudFront's origin-facing managed prefix list, not 0.0.0.0/0; the check reads prefix_list_ids (aws_security_group_rule) and misses prefix_list_id on this resource type.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from CloudFront (redirected to HTTPS)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_app" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the web tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.app.id
}

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
  referenced_security_group_id = aws_security_group.alb.id
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
# Application Load Balancer (HTTPS, HTTP -> HTTPS)
################################################################################

resource "aws_acm_certificate" "this" {
  domain_name               = var.origin_domain_name
  subject_alternative_names = var.origin_certificate_sans
  validation_method         = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.this.domain_validation_options : o.domain_name => {
      name   = o.resource_record_name
      type   = o.resource_record_type
      record = o.resource_record_value
    }
  }

  zone_id         = var.route53_zone_id
  name            = each.value.name
  type            = each.value.type
  ttl             = 300
  records         = [each.value.record]
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:The WAF web ACL sits on the CloudFront distribution in front of this ALB; the ALB security group admits only CloudFront's origin-facing prefix list, so a second (regional) ACL would inspect the same traffic twice.
  name                       = substr(var.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    bucket  = var.logs_bucket_id
    prefix  = "alb"
    enabled = true
  }

  tags = var.tags
}

resource "aws_lb_target_group" "web" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; gunicorn listens on plain HTTP inside the private subnets, reachable from the ALB security group only.
  name                 = substr("${var.name}-web", 0, 32)
  port                 = local.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

################################################################################
# IAM: one execution role, one least-privilege task role per service
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ReadAppSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for arn in local.secret_arns : arn]
  }

  statement {
    sid       = "DecryptAppSecretsAndImages"
    actions   = ["kms:Decrypt"]
    resources = concat([aws_kms_key.this.arn], var.secret_kms_key_arns)
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  for_each = local.services

  name               = "${var.name}-${each.key}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

data "aws_iam_policy_document" "task" {
  for_each = local.services

  # Every task ships traces through its ADOT sidecar.
  statement {
    sid       = "Traces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }

  # web and beat enqueue Celery tasks; the worker consumes (and chains) them.
  dynamic "statement" {
    for_each = contains(["web", "beat"], each.value.kind) ? [1] : []
    content {
      sid       = "EnqueueCeleryTasks"
      actions   = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = local.celery_queue_arns
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "worker" ? [1] : []
    content {
      sid = "ConsumeCeleryQueues"
      actions = [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
      ]
      resources = local.celery_queue_arns
    }
  }

  # The dead-letter redrive command runs as a one-off task of the worker definition.
  dynamic "statement" {
    for_each = each.value.kind == "worker" ? [1] : []
    content {
      sid       = "RedriveCeleryDeadLetters"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
      resources = local.celery_dlq_arns
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "consumer" ? [1] : []
    content {
      sid = "ConsumeOwnChannelQueue"
      actions = [
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl", "sqs:GetQueueAttributes",
      ]
      resources = [for q in each.value.queues : var.queue_arns[q]]
    }
  }

  # The outbox relay (web after commit, worker sweep) publishes domain events.
  dynamic "statement" {
    for_each = contains(["web", "worker"], each.value.kind) ? [1] : []
    content {
      sid       = "PublishOrderEvents"
      actions   = ["sns:Publish"]
      resources = [var.order_events_topic_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker"], each.value.kind) ? [1] : []
    content {
      sid       = "PutOrderEvents"
      actions   = ["events:PutEvents"]
      resources = [var.event_bus_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "beat" ? [] : [1]
    content {
      sid       = "MessagingKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.messaging_kms_key_arn]
    }
  }

  # Media: web manages catalog images (whole bucket); the worker writes private
  # documents (invoices) under private/; notification consumers may read private/.
  dynamic "statement" {
    for_each = each.value.kind == "web" ? [1] : []
    content {
      sid       = "MediaReadWrite"
      actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      resources = ["${var.media_bucket_arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "worker" ? [1] : []
    content {
      sid       = "PrivateMediaReadWrite"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["${var.media_bucket_arn}/private/*"]
    }
  }

  dynamic "statement" {
    for_each = each.value.kind == "consumer" ? [1] : []
    content {
      sid       = "PrivateMediaRead"
      actions   = ["s3:GetObject"]
      resources = ["${var.media_bucket_arn}/private/*"]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker"], each.value.kind) ? [1] : []
    content {
      sid       = "ListMedia"
      actions   = ["s3:ListBucket"]
      resources = [var.media_bucket_arn]
    }
  }

  dynamic "statement" {
    for_each = contains(["web", "worker", "consumer"], each.value.kind) ? [1] : []
    content {
      sid       = "MediaKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [var.media_kms_key_arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = local.services

  name   = "${each.key}-least-privilege"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task[each.key].json
}

# SMS goes straight to phone numbers through SNS: such a Publish has no resource ARN.
data "aws_iam_policy_document" "sms" {
  #checkov:skip=CKV_AWS_356:SNS Publish to a phone number (SMS) has no resource ARN to scope to; topic publishing is denied below.
  #checkov:skip=CKV_AWS_111:Same statement: SMS Publish cannot be constrained by resource; topic publishing is denied below.
  statement {
    sid       = "SendSms"
    actions   = ["sns:Publish"]
    resources = ["*"]
  }

  statement {
    sid       = "NoTopicPublishing"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = ["arn:${local.partition}:sns:*:*:*"]
  }
}

resource "aws_iam_role_policy" "sms" {
  for_each = { for k, s in local.services : k => s if s.kind == "consumer" && endswith(k, "-sms") }

  name   = "send-sms"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.sms.json
}

################################################################################
# ECS cluster, task definitions, services
################################################################################

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_ecs_task_definition" "this" {
  for_each = local.services

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Root filesystems are read-only; /tmp is a task-local scratch volume.
  volume {
    name = "tmp"
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
        mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
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

  name             = each.key
  cluster          = aws_ecs_cluster.this.id
  task_definition  = aws_ecs_task_definition.this[each.key].arn
  desired_count    = each.value.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  deployment_maximum_percent         = each.value.max_percent
  deployment_minimum_healthy_percent = each.value.min_percent
  health_check_grace_period_seconds  = each.key == "web" ? 60 : null

  # A deployment whose tasks fail to become healthy rolls back by itself.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.app.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.key == "web" ? [1] : []
    content {
      target_group_arn = aws_lb_target_group.web.arn
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

  depends_on = [aws_lb_listener.https]
}

################################################################################
# Autoscaling
################################################################################

resource "aws_appautoscaling_target" "this" {
  for_each = local.autoscaled

  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
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
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.web.arn_suffix}"
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
    target_value       = each.value.kind == "worker" ? var.worker.backlog_per_task : var.notifications.backlog_per_task
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
              value = aws_ecs_cluster.this.name
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

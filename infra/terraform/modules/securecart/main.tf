# The whole deployment of one environment. The env roots (envs/staging,
# envs/production) call this module with their sizes and nothing else.

locals {
  # One source of truth for queue, topic and bus names, shared with the Django settings.
  messaging = jsondecode(file("${path.module}/../../../../securecart/messaging.json"))

  queue_prefix  = "${var.name}-"
  media_domain  = "media.${var.domain_name}"
  origin_domain = "origin.${var.domain_name}"
  api_domain    = "api.${var.domain_name}"
  site_names    = [var.domain_name, "www.${var.domain_name}"]

  tags = merge(var.tags, {
    Project     = "securecart"
    Environment = var.environment
    ManagedBy   = "terraform"
  })
}

module "network" {
  source = "../network"

  name               = var.name
  cidr               = var.network.cidr
  azs                = var.network.azs
  public_subnets     = var.network.public_subnets
  private_subnets    = var.network.private_subnets
  database_subnets   = var.network.database_subnets
  single_nat_gateway = var.network.single_nat_gateway

  # The optional engines' APIs stay inside the VPC too (task tokens, fraud invokes).
  optional_interface_endpoints = concat(
    var.orchestration.fulfilment_engine == "stepfunctions" ? ["states"] : [],
    var.orchestration.fraud_scorer == "lambda" ? ["lambda"] : [],
  )

  tags = local.tags
}

module "messaging" {
  source = "../messaging"

  name         = var.name
  environment  = var.environment
  queue_prefix = local.queue_prefix
  messaging    = local.messaging

  tags = local.tags
}

module "data" {
  source = "../data"

  name                       = var.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.database_subnet_ids
  allowed_security_group_ids = [module.services.app_security_group_id]

  instance_class          = var.database.instance_class
  replica_instance_class  = var.database.replica_instance_class
  replica_count           = var.database.replica_count
  allocated_storage       = var.database.allocated_storage
  max_allocated_storage   = var.database.max_allocated_storage
  backup_retention_period = var.database.backup_retention_period
  replica_multi_az        = false

  redis_node_type          = var.redis.node_type
  redis_num_cache_clusters = var.redis.num_cache_clusters

  tags = local.tags
}

module "observability" {
  source = "../observability"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name         = var.name
  environment  = var.environment
  services     = module.services.task_definition_keys
  alarm_emails = var.alarm_emails

  alb_arn_suffix             = module.alb.arn_suffix
  target_group_arn_suffix    = module.alb.target_group_arn_suffix
  cloudfront_distribution_id = module.edge.site_distribution_id
  ecs_cluster_name           = module.cluster.name
  ecs_services = {
    for k, n in module.services.service_names : k => { name = n, min_running = module.services.service_min_running[k] }
  }

  queue_names = module.messaging.queue_names
  dlq_names   = merge(module.messaging.dlq_names, { eventbridge-targets = module.messaging.event_target_dlq_name })

  dynamodb_table_names = { order-tracking = module.order_tracking.table_name }

  db_instance_identifier     = module.data.db_instance_identifier
  db_replica_identifiers     = module.data.db_replica_identifiers
  redis_replication_group_id = module.data.redis_replication_group_id
  redis_num_cache_clusters   = module.data.redis_num_cache_clusters

  tags = local.tags
}

# The order tracking read model (DynamoDB), kept by the projector service.
module "order_tracking" {
  source = "../order-tracking"

  name                = var.name
  table_name          = "${module.messaging.queue_prefix}${local.messaging.order_tracking_table}"
  billing_mode        = var.order_tracking.billing_mode
  read_capacity       = var.order_tracking.read_capacity
  write_capacity      = var.order_tracking.write_capacity
  deletion_protection = var.order_tracking.deletion_protection

  tags = local.tags
}

module "cluster" {
  source = "../ecs-cluster"

  name               = var.name
  vpc_id             = module.network.vpc_id
  private_subnet_ids = module.network.private_subnet_ids
  ec2_spot           = var.ec2_spot

  tags = local.tags
}

module "alb" {
  source = "../alb"

  name                      = var.name
  vpc_id                    = module.network.vpc_id
  public_subnet_ids         = module.network.public_subnet_ids
  route53_zone_id           = var.route53_zone_id
  origin_domain_name        = local.origin_domain
  certificate_sans          = local.site_names
  logs_bucket_id            = module.observability.logs_bucket_id
  kms_key_arn               = module.cluster.kms_key_arn
  origin_verify_generations = var.origin_verify.generations
  origin_verify_active      = var.origin_verify.active
  deletion_protection       = var.deletion_protection

  tags = local.tags
}

module "global_accelerator" {
  source = "../global-accelerator"
  count  = var.enable_global_accelerator ? 1 : 0

  name           = var.name
  alb_arn        = module.alb.arn
  logs_bucket_id = module.observability.logs_bucket_id

  tags = local.tags
}

module "edge" {
  source = "../edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = var.name
  domain_name        = var.domain_name
  media_domain_name  = local.media_domain
  origin_domain_name = local.origin_domain
  route53_zone_id    = var.route53_zone_id

  origin_alias = var.enable_global_accelerator ? {
    name    = module.global_accelerator[0].dns_name
    zone_id = module.global_accelerator[0].hosted_zone_id
    } : {
    name    = module.alb.dns_name
    zone_id = module.alb.zone_id
  }
  origin_verify_header = module.alb.origin_verify_header
  origin_verify_value  = module.alb.origin_verify_value

  logs_bucket_id          = module.observability.logs_bucket_id
  logs_bucket_domain_name = module.observability.logs_bucket_domain_name
  price_class             = var.price_class

  tags = local.tags
}

# /api/v1 for partners and mobile clients through API Gateway (off by default).
module "api_gateway" {
  source = "../api-gateway"
  count  = var.api_gateway.enabled ? 1 : 0

  name                   = var.name
  vpc_id                 = module.network.vpc_id
  private_subnet_ids     = module.network.private_subnet_ids
  alb_arn                = module.alb.arn
  alb_security_group_id  = module.alb.security_group_id
  alb_https_listener_arn = module.alb.https_listener_arn
  target_group_arn       = module.alb.target_group_arn
  origin_domain_name     = local.origin_domain
  api_domain_name        = local.api_domain
  route53_zone_id        = var.route53_zone_id
  partners               = var.api_gateway.partners
  stage_throttle         = var.api_gateway.stage_throttle
  waf_rate_limit         = var.api_gateway.waf_rate_limit
  verify_generation      = var.api_gateway.verify_generation
  deletion_protection    = var.deletion_protection

  tags = local.tags
}

# Fulfilment on Step Functions and/or the fraud check as a Lambda (off by default).
module "orchestration" {
  source = "../orchestration"
  count  = var.orchestration.fulfilment_engine == "stepfunctions" || var.orchestration.fraud_scorer == "lambda" ? 1 : 0

  name                  = var.name
  fulfilment_engine     = var.orchestration.fulfilment_engine
  steps_queue_arn       = module.messaging.queue_arns[local.messaging.fulfilment_steps_queue.name]
  steps_queue_url       = module.messaging.queue_urls[local.messaging.fulfilment_steps_queue.name]
  messaging_kms_key_arn = module.messaging.kms_key_arn
  alarm_topic_arn       = module.observability.alarm_topic_arn
  fraud_function = {
    memory_size          = 256
    timeout              = 10
    reserved_concurrency = var.orchestration.fraud_reserved_concurrency
  }

  tags = local.tags
}

module "services" {
  source = "../ecs-services"

  name               = var.name
  environment        = var.environment
  vpc_id             = module.network.vpc_id
  vpc_cidr_block     = module.network.vpc_cidr_block
  private_subnet_ids = module.network.private_subnet_ids

  cluster_id                 = module.cluster.id
  cluster_name               = module.cluster.name
  kms_key_arn                = module.cluster.kms_key_arn
  exec_audit_log_group_arn   = module.cluster.exec_audit_log_group_arn
  ec2_spot_capacity_provider = module.cluster.ec2_spot_capacity_provider
  spot_on_demand_base        = var.spot_on_demand_base

  alb_security_group_id   = module.alb.security_group_id
  target_group_arn        = module.alb.target_group_arn
  alb_arn_suffix          = module.alb.arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix

  allowed_hosts = concat(local.site_names, [local.origin_domain])
  site_hosts    = local.site_names
  # CloudFront appends the viewer's address to X-Forwarded-For, the ALB appends
  # CloudFront's (Global Accelerator preserves it): the client is 2nd from the right.
  trusted_proxy_count = 2
  payment_gateway     = var.payment_gateway
  image_tag           = var.image_tag

  # Messaging: names from messaging.json via the messaging module's outputs.
  queue_prefix           = module.messaging.queue_prefix
  celery_queues          = keys(local.messaging.celery_queues)
  # Notification channels get one consumer each; the order-tracking queue its projector.
  channel_queues         = [for q in keys(local.messaging.channel_queues) : q if startswith(q, "notifications-")]
  projector_queues       = [for q in keys(local.messaging.channel_queues) : q if !startswith(q, "notifications-")]
  queue_names            = module.messaging.queue_names
  queue_arns             = module.messaging.queue_arns
  dlq_arns               = module.messaging.dlq_arns
  order_events_topic_arn = module.messaging.order_events_topic_arn
  event_bus_name         = module.messaging.event_bus_name
  event_bus_arn          = module.messaging.event_bus_arn
  messaging_kms_key_arn  = module.messaging.kms_key_arn

  # Order tracking: the table, its key and where the order page reads.
  order_tracking_store       = var.order_tracking.store
  order_tracking_table_name  = module.order_tracking.table_name
  order_tracking_table_arn   = module.order_tracking.table_arn
  order_tracking_kms_key_arn = module.order_tracking.kms_key_arn
  order_tracking_ttl_days    = var.order_tracking.ttl_days

  # Data stores: connection strings are secrets.
  database_url_secret_arn          = module.data.database_url_secret_arn
  database_replica_urls_secret_arn = module.data.database_replica_urls_secret_arn
  redis_url_secret_arn             = module.data.redis_url_secret_arn
  cloudfront_key_secret_arn        = module.edge.cloudfront_key_secret_arn
  secret_kms_key_arns              = [module.data.kms_key_arn, module.edge.kms_key_arn]

  # Media and CDN.
  media_bucket_name = module.edge.media_bucket_name
  media_bucket_arn  = module.edge.media_bucket_arn
  media_kms_key_arn = module.edge.kms_key_arn
  cloudfront_domain = module.edge.cloudfront_domain
  cloudfront_key_id = module.edge.cloudfront_key_id

  log_group_names    = module.observability.log_group_names
  default_from_email = var.default_from_email
  staff_email        = var.staff_email

  web           = var.web
  worker        = var.worker
  notifications = var.notifications
  sale          = var.sale

  api_gateway = {
    enabled           = var.api_gateway.enabled
    verify_secret_arn = try(module.api_gateway[0].verify_secret_arn, null)
    kms_key_arn       = try(module.api_gateway[0].kms_key_arn, null)
    partners          = try(module.api_gateway[0].partners_by_key_id, {})
  }

  orchestration = {
    fulfilment_engine   = var.orchestration.fulfilment_engine
    fraud_scorer        = var.orchestration.fraud_scorer
    steps_queue         = local.messaging.fulfilment_steps_queue.name
    state_machine_arn   = try(module.orchestration[0].state_machine_arn, null)
    fraud_function_name = try(module.orchestration[0].fraud_function_name, null)
    fraud_function_arn  = try(module.orchestration[0].fraud_function_arn, null)
    kms_key_arn         = try(module.orchestration[0].kms_key_arn, null)
  }

  tags = local.tags
}

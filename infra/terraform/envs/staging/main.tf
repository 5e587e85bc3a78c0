locals {
  environment = "staging"
  name        = "securecart-staging"

  # One source of truth for queue, topic and bus names, shared with the Django settings.
  messaging    = jsondecode(file("${path.module}/../../../../securecart/messaging.json"))
  queue_prefix = "securecart-staging-"

  media_domain  = "media.${var.domain_name}"
  origin_domain = "origin.${var.domain_name}"
  site_names    = [var.domain_name, "www.${var.domain_name}"]

  tags = {
    Project     = "securecart"
    Environment = local.environment
    ManagedBy   = "terraform"
  }
}

module "network" {
  source = "../../modules/network"

  name             = local.name
  cidr             = "10.20.0.0/16"
  azs              = var.azs
  public_subnets   = ["10.20.0.0/22", "10.20.4.0/22"]
  private_subnets  = ["10.20.32.0/19", "10.20.64.0/19"]
  database_subnets = ["10.20.128.0/24", "10.20.129.0/24"]

  # One NAT gateway for both AZs: cheaper, and staging may lose egress with one AZ.
  single_nat_gateway = true
}

module "messaging" {
  source = "../../modules/messaging"

  name         = local.name
  environment  = local.environment
  queue_prefix = local.queue_prefix
  messaging    = local.messaging
}

module "data" {
  source = "../../modules/data"

  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.database_subnet_ids
  allowed_security_group_ids = [module.compute.app_security_group_id]

  instance_class          = "db.t4g.medium"
  replica_instance_class  = "db.t4g.medium"
  replica_count           = 1
  allocated_storage       = 20
  max_allocated_storage   = 100
  backup_retention_period = 7

  redis_node_type          = "cache.t4g.small"
  redis_num_cache_clusters = 2
}

module "observability" {
  source = "../../modules/observability"

  name         = local.name
  services     = module.compute.service_keys
  alarm_emails = var.alarm_emails

  alb_arn_suffix          = module.compute.alb_arn_suffix
  target_group_arn_suffix = module.compute.target_group_arn_suffix
  ecs_cluster_name        = module.compute.cluster_name
  ecs_services = {
    for k, n in module.compute.service_names : k => { name = n, min_running = module.compute.service_min_running[k] }
  }

  queue_names = module.messaging.queue_names
  dlq_names   = module.messaging.dlq_names

  db_instance_identifier     = module.data.db_instance_identifier
  db_replica_identifiers     = module.data.db_replica_identifiers
  redis_replication_group_id = module.data.redis_replication_group_id
  redis_num_cache_clusters   = module.data.redis_num_cache_clusters
}

module "edge" {
  source = "../../modules/edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = local.name
  domain_name        = var.domain_name
  media_domain_name  = local.media_domain
  origin_domain_name = local.origin_domain
  route53_zone_id    = var.route53_zone_id

  alb_dns_name            = module.compute.alb_dns_name
  alb_zone_id             = module.compute.alb_zone_id
  logs_bucket_id          = module.observability.logs_bucket_id
  logs_bucket_domain_name = module.observability.logs_bucket_domain_name

  price_class = "PriceClass_100"
}

module "compute" {
  source = "../../modules/compute"

  name                    = local.name
  vpc_id                  = module.network.vpc_id
  vpc_cidr_block          = module.network.vpc_cidr_block
  public_subnet_ids       = module.network.public_subnet_ids
  private_subnet_ids      = module.network.private_subnet_ids
  route53_zone_id         = var.route53_zone_id
  origin_domain_name      = local.origin_domain
  origin_certificate_sans = local.site_names
  allowed_hosts           = concat(local.site_names, [local.origin_domain])
  image_tag               = var.image_tag

  # Messaging: names from messaging.json via the messaging module's outputs.
  queue_prefix           = module.messaging.queue_prefix
  celery_queues          = keys(local.messaging.celery_queues)
  channel_queues         = keys(local.messaging.channel_queues)
  queue_names            = module.messaging.queue_names
  queue_arns             = module.messaging.queue_arns
  dlq_arns               = module.messaging.dlq_arns
  order_events_topic_arn = module.messaging.order_events_topic_arn
  event_bus_name         = module.messaging.event_bus_name
  event_bus_arn          = module.messaging.event_bus_arn
  messaging_kms_key_arn  = module.messaging.kms_key_arn

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
  logs_bucket_id     = module.observability.logs_bucket_id
  default_from_email = var.default_from_email

  web = {
    cpu                        = 512
    memory                     = 1024
    gunicorn_workers           = 3
    min                        = 1
    max                        = 3
    cpu_target                 = 60
    requests_per_target_target = 500
  }

  worker = {
    cpu              = 512
    memory           = 1024
    concurrency      = 4
    min              = 1
    max              = 3
    backlog_per_task = 50
  }

  notifications = {
    cpu              = 256
    memory           = 512
    min              = 1
    max              = 2
    backlog_per_task = 100
  }
}

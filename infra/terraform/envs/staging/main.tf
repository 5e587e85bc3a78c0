# Staging: two AZs, one NAT gateway, small instances. Sizes only; the wiring is in
# modules/securecart.

data "aws_region" "current" {}

module "securecart" {
  source = "../../modules/securecart"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = "securecart-staging"
  environment        = "staging"
  domain_name        = var.domain_name
  route53_zone_id    = var.route53_zone_id
  image_tag          = var.image_tag
  default_from_email = var.default_from_email
  staff_email        = var.staff_email
  alarm_emails       = var.alarm_emails

  network = {
    cidr             = "10.20.0.0/16"
    azs              = [for z in ["a", "b"] : "${data.aws_region.current.name}${z}"]
    public_subnets   = ["10.20.0.0/22", "10.20.4.0/22"]
    private_subnets  = ["10.20.32.0/19", "10.20.64.0/19"]
    database_subnets = ["10.20.128.0/24", "10.20.129.0/24"]
    # One NAT gateway for both AZs: cheaper, and staging may lose egress with one AZ.
    single_nat_gateway = true
  }

  database = {
    instance_class          = "db.t4g.medium"
    replica_instance_class  = "db.t4g.medium"
    replica_count           = 1
    allocated_storage       = 20
    max_allocated_storage   = 100
    backup_retention_period = 7
  }

  redis = {
    node_type          = "cache.t4g.small"
    num_cache_clusters = 2
  }

  web           = { cpu = 512, memory = 1024, gunicorn_workers = 3, min = 1, max = 3, cpu_target = 60, requests_per_target_target = 500 }
  worker        = { cpu = 512, memory = 1024, concurrency = 4, min = 1, max = 3, backlog_per_task = 50 }
  notifications = { cpu = 256, memory = 512, min = 1, max = 2, backlog_per_task = 100 }

  sale = {
    starts_at      = var.sale_starts_at
    warmup_minutes = 30
    duration_hours = 6
    min_tasks      = { web = 2, worker = 2 }
  }

  price_class = "PriceClass_100"
}

# Production: three AZs, a NAT gateway per AZ, two read replicas, larger tasks. Sizes
# only; the wiring is in modules/securecart.

data "aws_region" "current" {}

module "securecart" {
  source = "../../modules/securecart"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = "securecart-prod"
  environment        = "production"
  domain_name        = var.domain_name
  route53_zone_id    = var.route53_zone_id
  image_tag          = var.image_tag
  default_from_email = var.default_from_email
  staff_email        = var.staff_email
  alarm_emails       = var.alarm_emails

  network = {
    cidr               = "10.10.0.0/16"
    azs                = [for z in ["a", "b", "c"] : "${data.aws_region.current.name}${z}"]
    public_subnets     = ["10.10.0.0/22", "10.10.4.0/22", "10.10.8.0/22"]
    private_subnets    = ["10.10.32.0/19", "10.10.64.0/19", "10.10.96.0/19"]
    database_subnets   = ["10.10.128.0/24", "10.10.129.0/24", "10.10.130.0/24"]
    single_nat_gateway = false
  }

  database = {
    instance_class          = "db.r6g.large"
    replica_instance_class  = "db.r6g.large"
    replica_count           = 2
    allocated_storage       = 100
    max_allocated_storage   = 1000
    backup_retention_period = 30
  }

  redis = {
    node_type          = "cache.r7g.large"
    num_cache_clusters = 3
  }

  web           = { cpu = 1024, memory = 2048, gunicorn_workers = 5, min = 3, max = 20, cpu_target = 60, requests_per_target_target = 500 }
  worker        = { cpu = 1024, memory = 2048, concurrency = 8, min = 2, max = 20, backlog_per_task = 50 }
  notifications = { cpu = 256, memory = 512, min = 2, max = 6, backlog_per_task = 100 }

  # Keep one worker and one consumer task per service on on-demand capacity.
  spot_on_demand_base = 1

  sale = {
    starts_at      = var.sale_starts_at
    warmup_minutes = 45
    duration_hours = 8
    min_tasks      = { web = 10, worker = 6 }
  }

  price_class = "PriceClass_All"
}

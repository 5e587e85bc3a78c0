output "deploy" {
  description = "Everything scripts/deploy.sh needs: registry, cluster, services, the ops task and its network."
  value = {
    region                   = module.network.region
    ecr_repository_url       = module.services.ecr_repository_url
    cluster_name             = module.cluster.name
    service_names            = module.services.service_names
    ops_task_definition      = try(module.services.task_definition_families["ops"], null)
    private_subnet_ids       = module.network.private_subnet_ids
    app_security_group_id    = module.services.app_security_group_id
    staff_user_secret_arn    = module.services.staff_user_secret_arn
    email_smtp_secret_arn    = module.services.email_smtp_secret_arn
    origin_verify_secret_arn = module.alb.origin_verify_secret_arn
  }
}

output "site_url" {
  description = "Public URL of the shop."
  value       = "https://${var.domain_name}/"
}

output "cloudfront_domain" {
  description = "Domain serving media."
  value       = module.edge.cloudfront_domain
}

output "alarm_topic_arn" {
  description = "SNS topic of the regional alarms (the CloudFront alarm has its own topic in us-east-1)."
  value       = module.observability.alarm_topic_arn
}

output "global_accelerator_ips" {
  description = "Static addresses of the Global Accelerator, when enabled."
  value       = try(module.global_accelerator[0].ip_addresses, [])
}

output "api_gateway" {
  description = "API Gateway entry for partners, when enabled: base URL and the API key ID of each partner."
  value = {
    url             = try(module.api_gateway[0].api_url, null)
    partner_key_ids = try(module.api_gateway[0].partner_key_ids, {})
  }
}

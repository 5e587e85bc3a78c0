output "deploy" {
  description = "Values scripts/deploy.sh reads (terraform output -json deploy)."
  value       = module.securecart.deploy
}

output "site_url" {
  description = "Public URL of the shop."
  value       = module.securecart.site_url
}

output "alarm_topic_arn" {
  description = "SNS topic of the regional alarms."
  value       = module.securecart.alarm_topic_arn
}

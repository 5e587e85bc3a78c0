output "dns_name" {
  description = "DNS name of the accelerator (alias target of the origin name)."
  value       = try(aws_globalaccelerator_accelerator.this.dns_name, null)
}

output "hosted_zone_id" {
  description = "Route 53 zone ID for alias records to the accelerator."
  value       = try(aws_globalaccelerator_accelerator.this.hosted_zone_id, null)
}

output "ip_addresses" {
  description = "Static anycast addresses of the accelerator."
  value       = try(flatten(aws_globalaccelerator_accelerator.this.ip_sets[*].ip_addresses), [])
}

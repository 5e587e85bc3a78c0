output "vpc_id" {
  description = "ID of the VPC."
  value       = try(aws_vpc.this.id, null)
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = try(aws_vpc.this.cidr_block, null)
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (load balancer)."
  value       = try(aws_subnet.public[*].id, [])
}

output "private_subnet_ids" {
  description = "IDs of the private subnets (ECS tasks)."
  value       = try(aws_subnet.private[*].id, [])
}

output "database_subnet_ids" {
  description = "IDs of the isolated subnets (RDS, ElastiCache)."
  value       = try(aws_subnet.database[*].id, [])
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (egress addresses to allow-list at third parties)."
  value       = try(aws_eip.nat[*].public_ip, [])
}

output "vpc_endpoint_ids" {
  description = "IDs of the VPC endpoints, keyed by service."
  value       = try(merge({ s3 = aws_vpc_endpoint.s3.id }, { for k, v in aws_vpc_endpoint.interface : k => v.id }), {})
}

output "flow_log_group_name" {
  description = "CloudWatch log group receiving the VPC flow logs."
  value       = try(aws_cloudwatch_log_group.flow_logs.name, null)
}

output "region" {
  description = "Region of the VPC (and of the whole regional stack)."
  value       = try(data.aws_region.current.name, null)
}

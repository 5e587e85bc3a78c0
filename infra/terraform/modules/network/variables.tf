variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"
}

variable "azs" {
  description = "Availability zones to spread the subnets over (at least two)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "At least two availability zones are required."
  }
}

variable "public_subnets" {
  description = "CIDRs of the public subnets (load balancer, NAT), one per AZ."
  type        = list(string)
}

variable "private_subnets" {
  description = "CIDRs of the private subnets (ECS tasks, VPC endpoints), one per AZ."
  type        = list(string)
}

variable "database_subnets" {
  description = "CIDRs of the isolated subnets (RDS, ElastiCache), one per AZ; no route to the internet."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all AZs (cheaper, for staging) instead of one per AZ."
  type        = bool
  default     = false
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints (service name suffix after com.amazonaws.<region>.)."
  type        = list(string)
  default     = ["sqs", "sns", "secretsmanager", "ecr.api", "ecr.dkr", "logs"]
}

variable "flow_log_retention_in_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

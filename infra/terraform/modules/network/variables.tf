variable "name" {
  description = "Name prefix for every resource, e.g. securecart-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a valid IPv4 CIDR block."
  }
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
  description = "CIDRs of the public subnets (load balancer, NAT), one per AZ, in the order of azs."
  type        = list(string)

  validation {
    condition     = length(var.public_subnets) == length(var.azs) && alltrue([for c in var.public_subnets : can(cidrhost(c, 0))])
    error_message = "public_subnets needs exactly one valid CIDR per availability zone."
  }
}

variable "private_subnets" {
  description = "CIDRs of the private subnets (ECS tasks, VPC endpoints), one per AZ, in the order of azs."
  type        = list(string)

  validation {
    condition     = length(var.private_subnets) == length(var.azs) && alltrue([for c in var.private_subnets : can(cidrhost(c, 0))])
    error_message = "private_subnets needs exactly one valid CIDR per availability zone."
  }
}

variable "database_subnets" {
  description = "CIDRs of the isolated subnets (RDS, ElastiCache), one per AZ, in the order of azs; no route to the internet."
  type        = list(string)

  validation {
    condition     = length(var.database_subnets) == length(var.azs) && alltrue([for c in var.database_subnets : can(cidrhost(c, 0))])
    error_message = "database_subnets needs exactly one valid CIDR per availability zone."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all AZs (cheaper, for staging) instead of one per AZ."
  type        = bool
  default     = false

  validation {
    condition     = var.single_nat_gateway != null
    error_message = "single_nat_gateway must be true or false."
  }
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints (service name suffix after com.amazonaws.<region>.)."
  type        = list(string)
  # Every AWS API the tasks call, so none of it is billed as NAT traffic: the app
  # (sqs, sns, events, kms, sts for the web identity of boto3), the ADOT sidecar (xray),
  # task start (ecr.api, ecr.dkr, logs, secretsmanager) and ECS Exec (ssmmessages).
  default = ["sqs", "sns", "events", "kms", "sts", "xray", "secretsmanager", "ecr.api", "ecr.dkr", "logs", "ssmmessages"]

  validation {
    condition     = length(var.interface_endpoints) == length(distinct(var.interface_endpoints))
    error_message = "interface_endpoints must not repeat a service."
  }
}

variable "optional_interface_endpoints" {
  description = "Interface endpoints of optional parts, added to interface_endpoints (states for the Step Functions engine, lambda for the fraud Lambda)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.optional_interface_endpoints : contains(["states", "lambda"], s)])
    error_message = "optional_interface_endpoints may hold states and lambda."
  }
}

variable "flow_log_retention_in_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_in_days)
    error_message = "flow_log_retention_in_days must be a retention CloudWatch Logs accepts."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 and values at most 256 characters."
  }
}

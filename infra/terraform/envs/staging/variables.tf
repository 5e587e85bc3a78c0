variable "region" {
  description = "AWS region of the deployment."
  type        = string
  default     = "eu-west-1"
}

variable "azs" {
  description = "Availability zones, pinned so the subnet layout never shifts when AWS adds a zone (one subnet of each tier per AZ)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

variable "domain_name" {
  description = "Shop domain (e.g. shop.example.com); media.<domain> and origin.<domain> are derived from it."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name."
  type        = string
}

variable "image_tag" {
  description = "App image tag to deploy (the git SHA pushed to the ECR repository)."
  type        = string
}

variable "default_from_email" {
  description = "DEFAULT_FROM_EMAIL, an SES-verified identity."
  type        = string
}

variable "alarm_emails" {
  description = "E-mail addresses that receive alarms."
  type        = list(string)
  default     = []
}

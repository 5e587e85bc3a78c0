data "aws_region" "current" {}

# Anycast entry in front of the regional ALB. CloudFront stays the only client: the
# origin name points here instead of at the ALB, and with client IP preservation the
# ALB still sees CloudFront's addresses (its security group and the origin-verify
# header keep working). A second region becomes a second endpoint group.
resource "aws_globalaccelerator_accelerator" "this" {
  name            = var.name
  ip_address_type = "IPV4"
  enabled         = true

  attributes {
    flow_logs_enabled   = true
    flow_logs_s3_bucket = var.logs_bucket_id
    flow_logs_s3_prefix = "globalaccelerator/"
  }

  tags = var.tags
}

resource "aws_globalaccelerator_listener" "https" {
  accelerator_arn = aws_globalaccelerator_accelerator.this.id
  protocol        = "TCP"
  client_affinity = "NONE"

  port_range {
    from_port = 443
    to_port   = 443
  }
}

resource "aws_globalaccelerator_endpoint_group" "this" {
  listener_arn            = aws_globalaccelerator_listener.https.id
  endpoint_group_region   = data.aws_region.current.name
  traffic_dial_percentage = 100

  endpoint_configuration {
    endpoint_id                    = var.alb_arn
    weight                         = 100
    client_ip_preservation_enabled = true
  }
}

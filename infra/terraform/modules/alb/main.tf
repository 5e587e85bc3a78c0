data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

locals {
  origin_verify_header = "X-Origin-Verify"
  slots                = toset(["a", "b"])
}

################################################################################
# Security group: HTTPS from CloudFront's origin-facing addresses, nothing else
################################################################################

resource "aws_security_group" "this" {
  name        = "${var.name}-alb"
  description = "Load balancer: HTTPS from CloudFront origin-facing addresses only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })
}

# The managed prefix list weighs 55 rules against the security-group quota (60 by
# default): one rule only, on 443 (CloudFront reaches the origin over HTTPS only).
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS from CloudFront"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

################################################################################
# Certificate of the origin name (and the site names CloudFront forwards as Host)
################################################################################

resource "aws_acm_certificate" "this" {
  domain_name               = var.origin_domain_name
  subject_alternative_names = var.certificate_sans
  validation_method         = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.this.domain_validation_options : o.domain_name => {
      name   = o.resource_record_name
      type   = o.resource_record_type
      record = o.resource_record_value
    }
  }

  zone_id         = var.route53_zone_id
  name            = each.value.name
  type            = each.value.type
  ttl             = 300
  records         = [each.value.record]
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

################################################################################
# Origin verification: CloudFront adds a secret header, the ALB forwards only
# requests carrying it. Two slots (a, b) so the value rotates without downtime.
################################################################################

resource "random_password" "origin_verify" {
  for_each = local.slots

  length  = 48
  special = false

  # Bump a slot's generation to give it a new value (see docs/deploy.md, rotation).
  keepers = {
    generation = var.origin_verify_generations[each.key]
  }
}

resource "aws_secretsmanager_secret" "origin_verify" {
  #checkov:skip=CKV2_AWS_57:No Lambda rotation: the value lives in the CloudFront distribution and the ALB listener rule, which only Terraform changes. It rotates by a two-step apply over two slots (docs/deploy.md); this secret records the current values for operators.
  name                    = "${var.name}/origin-verify"
  description             = "${var.name} value of the ${local.origin_verify_header} header CloudFront sends to the ALB"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "origin_verify" {
  secret_id = aws_secretsmanager_secret.origin_verify.id
  secret_string = jsonencode({
    header = local.origin_verify_header
    active = var.origin_verify_active
    a      = random_password.origin_verify["a"].result
    b      = random_password.origin_verify["b"].result
  })
}

################################################################################
# Application Load Balancer
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:The WAF web ACL is on the CloudFront distribution; this ALB admits CloudFront's origin-facing addresses only and answers 403 to any request without CloudFront's secret origin header, so a regional ACL would inspect the same traffic twice.
  name                       = substr(var.name, 0, 32)
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.this.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    bucket  = var.logs_bucket_id
    prefix  = "alb"
    enabled = true
  }

  tags = var.tags
}

resource "aws_lb_target_group" "web" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; gunicorn listens on plain HTTP inside the private subnets, reachable from the ALB security group only.
  name                 = substr("${var.name}-web", 0, 32)
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags
}

# Anything that did not come through CloudFront is refused.
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Forbidden"
      status_code  = "403"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener_rule" "from_cloudfront" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 1

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  # Either slot is accepted, so CloudFront may still send the previous value while a
  # rotated one propagates to its edge locations.
  condition {
    http_header {
      http_header_name = local.origin_verify_header
      values           = [for s in sort(tolist(local.slots)) : random_password.origin_verify[s].result]
    }
  }

  tags = var.tags
}

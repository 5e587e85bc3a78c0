# /api/v1 for partner and mobile clients through Amazon API Gateway (REST API):
# per-client API keys with usage plans, WAF, access logs, a custom domain, and a
# private integration (VPC link -> internal NLB -> the ALB). The storefront keeps
# CloudFront -> ALB. Why REST and not HTTP API: docs/api-gateway.md.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # The app trusts X-Api-Partner only on a request that carries X-Api-Gateway-Verify
  # with this module's secret (securecart/partners.py); API Gateway overwrites both on
  # every request, so a client cannot set them through it.
  verify_header  = "X-Api-Gateway-Verify"
  partner_header = "X-Api-Partner"
  stage_name     = "live"

  access_log_group = "/aws/apigateway/${var.name}-api"
  waf_log_group    = "aws-waf-logs-${var.name}-api" # WAF requires the aws-waf-logs- prefix

  access_log_format = jsonencode({
    requestId         = "$context.requestId"
    requestTime       = "$context.requestTime"
    ip                = "$context.identity.sourceIp"
    userAgent         = "$context.identity.userAgent"
    apiKeyId          = "$context.identity.apiKeyId"
    method            = "$context.httpMethod"
    path              = "$context.path"
    status            = "$context.status"
    responseLength    = "$context.responseLength"
    latencyMs         = "$context.responseLatency"
    integrationStatus = "$context.integration.status"
    integrationMs     = "$context.integration.latency"
    wafStatus         = "$context.waf.status"
    error             = "$context.error.message"
  })
}

################################################################################
# Encryption key: access and WAF logs, the verify secret
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} API Gateway (access and WAF logs, verify secret)"
  deletion_window_in_days = 30
  enable_key_rotation     = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdmin"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = [
              "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.access_log_group}",
              "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.waf_log_group}",
            ]
          }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-api-gateway"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# The secret header API Gateway adds (the ALB rule and the app check it)
################################################################################

resource "random_password" "verify" {
  length  = 48
  special = false

  # Bump verify_generation to give it a new value (docs/api-gateway.md, rotation).
  keepers = {
    generation = var.verify_generation
  }
}

resource "aws_secretsmanager_secret" "verify" {
  #checkov:skip=CKV2_AWS_57:No Lambda rotation: the value lives in the API Gateway integration and the ALB listener rule, which only Terraform changes; it rotates by bumping verify_generation and redeploying the app (docs/api-gateway.md). The ECS tasks read it as API_GATEWAY_VERIFY_SECRET.
  name                    = "${var.name}/api-gateway-verify"
  description             = "${var.name} value of the ${local.verify_header} header API Gateway sends to the ALB and the app"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "verify" {
  secret_id     = aws_secretsmanager_secret.verify.id
  secret_string = random_password.verify.result
}

################################################################################
# Private integration: VPC link -> internal NLB -> ALB (TLS ends at the ALB)
################################################################################

# No ingress rule: inbound rules are not enforced on PrivateLink traffic (the VPC
# link), and nothing else in the VPC may reach this NLB.
resource "aws_security_group" "nlb" {
  name        = "${var.name}-api-nlb"
  description = "API Gateway VPC link NLB: reachable through the VPC link only, forwards to the ALB"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-api-nlb" })
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_alb" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "HTTPS to the ALB"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_nlb" {
  security_group_id            = var.alb_security_group_id
  description                  = "HTTPS from the API Gateway VPC link NLB"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.nlb.id
}

resource "aws_lb" "api" {
  #checkov:skip=CKV_AWS_91:NLB access logs record TLS listeners only; this TCP listener passes TLS through to the ALB, whose access logs, and API Gateway's access log, record every request.
  name                             = substr("${var.name}-api", 0, 32)
  load_balancer_type               = "network"
  internal                         = true
  subnets                          = var.private_subnet_ids
  security_groups                  = [aws_security_group.nlb.id]
  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = var.deletion_protection

  enforce_security_group_inbound_rules_on_private_link_traffic = "off"

  tags = var.tags
}

resource "aws_lb_target_group" "alb" {
  name        = substr("${var.name}-api-alb", 0, 32)
  target_type = "alb"
  port        = 443
  protocol    = "TCP"
  vpc_id      = var.vpc_id

  # Any HTTP answer proves the ALB listens: without the secret header its default
  # action answers 403. The app's health is the ALB target group's /readyz check.
  health_check {
    protocol            = "HTTPS"
    path                = "/healthz"
    matcher             = "200-499"
    interval            = 30
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }

  tags = var.tags
}

resource "aws_lb_target_group_attachment" "alb" {
  target_group_arn = aws_lb_target_group.alb.arn
  target_id        = var.alb_arn
  port             = 443
}

resource "aws_lb_listener" "api" {
  #checkov:skip=CKV_AWS_2:TCP passthrough on 443: the TLS session from API Gateway ends at the ALB (certificate of origin_domain_name, verified by the integration), not here.
  #checkov:skip=CKV_AWS_103:Same listener: TLS is end to end from API Gateway to the ALB, so the NLB negotiates no TLS version of its own.
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.alb.arn
  }

  tags = var.tags
}

# The ALB admits API Gateway's requests for /api/v1/ only, recognised by the secret.
resource "aws_lb_listener_rule" "from_api_gateway" {
  listener_arn = var.alb_https_listener_arn
  priority     = 2

  action {
    type             = "forward"
    target_group_arn = var.target_group_arn
  }

  condition {
    http_header {
      http_header_name = local.verify_header
      values           = [random_password.verify.result]
    }
  }

  condition {
    path_pattern {
      values = ["/api/v1/*"]
    }
  }

  tags = var.tags
}

resource "aws_api_gateway_vpc_link" "this" {
  name        = "${var.name}-api"
  description = "API Gateway to the internal NLB in front of the ALB"
  target_arns = [aws_lb.api.arn]

  tags = var.tags
}

################################################################################
# REST API: /api/v1/{proxy+}, API key required, proxied to the ALB
################################################################################

resource "aws_api_gateway_rest_api" "this" {
  name        = "${var.name}-api"
  description = "SecureCart /api/v1 for partner and mobile clients (API keys, usage plans)"

  # Clients use the custom domain only.
  disable_execute_api_endpoint = true
  api_key_source               = "HEADER"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "api" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "api"
}

resource "aws_api_gateway_resource" "v1" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.api.id
  path_part   = "v1"
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.v1.id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_request_validator" "params" {
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  name                        = "parameters"
  validate_request_parameters = true
  validate_request_body       = false
}

# Identification is the API key (a usage plan's); users sign in to the app's own API
# as before (session or token), which API Gateway passes through.
resource "aws_api_gateway_method" "proxy" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.proxy.id
  http_method          = "ANY"
  authorization        = "NONE"
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.params.id

  request_parameters = {
    "method.request.path.proxy" = true
  }
}

resource "aws_api_gateway_integration" "proxy" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy.http_method
  type                    = "HTTP_PROXY"
  integration_http_method = "ANY"
  uri                     = "https://${var.origin_domain_name}/api/v1/{proxy}"
  connection_type         = "VPC_LINK"
  connection_id           = aws_api_gateway_vpc_link.this.id
  timeout_milliseconds    = 29000

  # Static values are quoted; context values are API Gateway's own. The request id
  # becomes the app's X-Request-ID, so API Gateway's access log and the app's log
  # lines of one call share it.
  request_parameters = {
    "integration.request.path.proxy"                 = "method.request.path.proxy"
    "integration.request.header.X-Api-Gateway-Verify" = "'${random_password.verify.result}'"
    "integration.request.header.X-Api-Partner"        = "context.identity.apiKeyId"
    "integration.request.header.X-Request-ID"         = "context.requestId"
  }

  tls_config {
    insecure_skip_verification = false
  }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.proxy.id,
      aws_api_gateway_method.proxy.id,
      aws_api_gateway_integration.proxy.uri,
      aws_api_gateway_integration.proxy.request_parameters,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [aws_api_gateway_integration.proxy]
}

################################################################################
# Stage: access log, X-Ray, stage-wide throttle, metrics
################################################################################

# Access logging needs the region's API Gateway account setting (one per account and
# region: another stack setting it would be overwritten with an equivalent role).
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "cloudwatch" {
  name               = "${var.name}-apigateway-logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  role       = aws_iam_role.cloudwatch.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.cloudwatch.arn

  depends_on = [aws_iam_role_policy_attachment.cloudwatch]
}

resource "aws_cloudwatch_log_group" "access" {
  name              = local.access_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:No stage cache: responses are per caller (orders, carts, checkout) or already cached by the app (catalog), and a cache cluster is billed by the hour.
  #checkov:skip=CKV2_AWS_51:The ALB recognises API Gateway by the secret header its listener rule checks (as it recognises CloudFront); it does not do mutual TLS, so a client certificate would be checked by nobody.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = local.stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = local.access_log_format
  }

  tags = var.tags

  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:No method cache, as no stage cache (see the stage): per-caller responses must not be cached, the catalog is cached by the app.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    data_trace_enabled     = false
    caching_enabled        = false
    cache_data_encrypted   = true
    throttling_rate_limit  = var.stage_throttle.rate_limit
    throttling_burst_limit = var.stage_throttle.burst_limit
  }
}

################################################################################
# One API key and usage plan per partner
################################################################################

resource "aws_api_gateway_api_key" "this" {
  for_each = var.partners

  name        = "${var.name}-${each.key}"
  description = "${each.key}: partner/mobile client of ${var.name}"
  enabled     = true

  tags = merge(var.tags, { Partner = each.key })
}

resource "aws_api_gateway_usage_plan" "this" {
  for_each = var.partners

  name        = "${var.name}-${each.key}"
  description = "${each.key}: ${each.value.rate_limit} req/s, burst ${each.value.burst_limit}, ${each.value.daily_quota} a day"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = each.value.rate_limit
    burst_limit = each.value.burst_limit
  }

  quota_settings {
    limit  = each.value.daily_quota
    period = "DAY"
  }

  tags = merge(var.tags, { Partner = each.key })
}

resource "aws_api_gateway_usage_plan_key" "this" {
  for_each = var.partners

  key_id        = aws_api_gateway_api_key.this[each.key].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[each.key].id
}

################################################################################
# Custom domain with its regional ACM certificate
################################################################################

resource "aws_acm_certificate" "api" {
  domain_name       = var.api_domain_name
  validation_method = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for o in aws_acm_certificate.api.domain_validation_options : o.domain_name => {
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

resource "aws_acm_certificate_validation" "api" {
  certificate_arn         = aws_acm_certificate.api.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

resource "aws_api_gateway_domain_name" "this" {
  domain_name              = var.api_domain_name
  regional_certificate_arn = aws_acm_certificate_validation.api.certificate_arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  tags = var.tags
}

resource "aws_api_gateway_base_path_mapping" "this" {
  api_id      = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  domain_name = aws_api_gateway_domain_name.this.domain_name
}

resource "aws_route53_record" "api" {
  zone_id = var.route53_zone_id
  name    = var.api_domain_name
  type    = "A"

  alias {
    name                   = aws_api_gateway_domain_name.this.regional_domain_name
    zone_id                = aws_api_gateway_domain_name.this.regional_zone_id
    evaluate_target_health = false
  }
}

################################################################################
# WAF (regional web ACL on the stage)
################################################################################

resource "aws_wafv2_web_acl" "api" {
  name        = "${var.name}-api"
  description = "${var.name} API Gateway: per-IP rate limit and AWS managed rules"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-ip"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-rate-limit-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-ip-reputation"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-aws-ip-reputation"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 30

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # Counted, not blocked: partner back ends run on hosting providers, and mobile users
  # behind VPNs are customers. The counts show in the WAF metrics and logs.
  rule {
    name     = "aws-anonymous-ip"
    priority = 35

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        rule_action_override {
          name = "HostingProviderIPList"
          action_to_use {
            count {}
          }
        }

        rule_action_override {
          name = "AnonymousIPList"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-aws-anonymous-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-sqli"
    priority = 40

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesSQLiRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-api-aws-sqli"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-api"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "api" {
  resource_arn = aws_api_gateway_stage.this.arn
  web_acl_arn  = aws_wafv2_web_acl.api.arn
}

resource "aws_cloudwatch_log_group" "waf" {
  name              = local.waf_log_group
  retention_in_days = var.log_retention_in_days
  kms_key_id        = aws_kms_key.this.arn

  tags = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "api" {
  resource_arn            = aws_wafv2_web_acl.api.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  # The API key is a credential: never in the logs.
  redacted_fields {
    single_header {
      name = "x-api-key"
    }
  }

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  site_names  = [var.domain_name, "www.${var.domain_name}"]
  private_dir = "private"
}

################################################################################
# KMS key (bucket region): media objects and the URL-signing key secret
################################################################################

resource "aws_kms_key" "this" {
  description             = "${var.name} media bucket and CloudFront signing key"
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
        # CloudFront (through OAC) decrypts media objects for this account's distributions.
        Sid       = "CloudFrontOac"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = ["kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringLike = { "aws:SourceArn" = "arn:${local.partition}:cloudfront::${local.account_id}:distribution/*" }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-edge"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Media bucket: private, versioned, KMS-encrypted, read by CloudFront only
################################################################################

data "aws_iam_policy_document" "media_oac" {
  statement {
    sid       = "CloudFrontOacRead"
    actions   = ["s3:GetObject"]
    resources = ["${module.media.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.media.arn]
    }
  }
}

module "media" {
  source = "../s3-bucket"

  bucket_prefix                      = "${var.name}-media-"
  kms_key_arn                        = aws_kms_key.this.arn
  noncurrent_version_expiration_days = var.media_noncurrent_version_expiration_days
  access_logs                        = { bucket = var.logs_bucket_id, prefix = "s3/media/" }
  # Object events go to EventBridge (e.g. for image processing or audits).
  eventbridge      = true
  policy_documents = [data.aws_iam_policy_document.media_oac.json]

  tags = var.tags
}

################################################################################
# Signed URLs for private media (prefix private/)
################################################################################

# The key pair is generated here; the private half is in the (encrypted) state and in
# Secrets Manager (AWS_CLOUDFRONT_KEY), the public half is registered with CloudFront.
resource "tls_private_key" "signing" {
  algorithm = "RSA"
  rsa_bits  = 2048
}

resource "aws_cloudfront_public_key" "this" {
  name        = "${var.name}-media-signing"
  comment     = "${var.name} signed URLs for ${local.private_dir}/ media"
  encoded_key = tls_private_key.signing.public_key_pem
}

resource "aws_cloudfront_key_group" "this" {
  name    = "${var.name}-media-signing"
  comment = "${var.name} keys trusted for ${local.private_dir}/ media"
  items   = [aws_cloudfront_public_key.this.id]
}

resource "aws_secretsmanager_secret" "cloudfront_key" {
  #checkov:skip=CKV2_AWS_57:No automatic rotation: the private key must change together with the public key Terraform registers in CloudFront. Rotation is manual (terraform apply -replace of tls_private_key.signing, then a service restart; private URLs signed with the old key stop working at once), see docs/deploy.md.
  name                    = "${var.name}/cloudfront-signing-key"
  description             = "${var.name} AWS_CLOUDFRONT_KEY: PEM private key for CloudFront signed URLs"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "cloudfront_key" {
  secret_id     = aws_secretsmanager_secret.cloudfront_key.id
  secret_string = tls_private_key.signing.private_key_pem
}

################################################################################
# Certificate (us-east-1, for CloudFront)
################################################################################

resource "aws_acm_certificate" "this" {
  provider = aws.us_east_1

  domain_name               = var.domain_name
  subject_alternative_names = concat(slice(local.site_names, 1, length(local.site_names)), [var.media_domain_name])
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
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}

################################################################################
# WAF (scope CLOUDFRONT, us-east-1)
################################################################################

resource "aws_wafv2_web_acl" "this" {
  provider = aws.us_east_1

  name        = var.name
  description = "${var.name}: AWS managed rules plus rate limits on login and checkout"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-login"
    priority = 1

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.login_rate_limit
        aggregate_key_type = "IP"

        scope_down_statement {
          or_statement {
            statement {
              byte_match_statement {
                search_string         = "/accounts/login/"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "LOWERCASE"
                }
              }
            }
            statement {
              byte_match_statement {
                search_string         = "/admin/login/"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "LOWERCASE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-login"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-limit-checkout"
    priority = 2

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.checkout_rate_limit
        aggregate_key_type = "IP"

        scope_down_statement {
          or_statement {
            statement {
              byte_match_statement {
                search_string         = "/checkout/"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "LOWERCASE"
                }
              }
            }
            statement {
              byte_match_statement {
                search_string         = "/api/v1/checkout/"
                positional_constraint = "STARTS_WITH"
                field_to_match {
                  uri_path {}
                }
                text_transformation {
                  priority = 0
                  type     = "LOWERCASE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-checkout"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-limit-global"
    priority = 3

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = var.global_rate_limit
        aggregate_key_type = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-global"
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
      metric_name                = "${var.name}-aws-ip-reputation"
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

        # Staff upload product images through the admin: bodies above 8 KB are normal.
        rule_action_override {
          name = "SizeRestrictions_BODY"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common"
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
      metric_name                = "${var.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  # Requests from hosting providers (bots, scrapers) are blocked; shoppers behind VPNs or
  # Tor are only counted, so privacy-minded customers can still buy.
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
          name = "AnonymousIPList"
          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-anonymous-ip"
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
      metric_name                = "${var.name}-aws-sqli"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_kms_key" "waf_logs" {
  provider = aws.us_east_1

  description             = "${var.name} WAF logs (us-east-1)"
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
        Principal = { Service = "logs.us-east-1.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:us-east-1:${local.account_id}:log-group:aws-waf-logs-${var.name}" }
        }
      },
    ]
  })

  tags = var.tags
}

resource "aws_cloudwatch_log_group" "waf" {
  provider = aws.us_east_1

  name              = "aws-waf-logs-${var.name}" # WAF requires the aws-waf-logs- prefix
  retention_in_days = var.waf_log_retention_in_days
  kms_key_id        = aws_kms_key.waf_logs.arn

  tags = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  provider = aws.us_east_1

  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

################################################################################
# CloudFront
################################################################################

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer" {
  name = "Managed-AllViewer"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  name    = "${var.name}-security-headers"
  comment = "${var.name} security headers"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "SAMEORIGIN"
      override     = false
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = false
    }
  }
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = "${var.name}-media"
  description                       = "${var.name} CloudFront to the media bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Pages and static files, served by the app behind the ALB.
resource "aws_cloudfront_distribution" "site" {
  #checkov:skip=CKV_AWS_305:The origin is Django, which answers "/" itself; a default root object only applies to object-store origins.
  #checkov:skip=CKV_AWS_310:A single regional origin (the multi-AZ ALB, or the Global Accelerator in front of it); there is no second origin to fail over to until a second region exists.
  #checkov:skip=CKV_AWS_374:The shop sells worldwide; no geo restriction is wanted.
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name} site"
  aliases         = local.site_names
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = aws_wafv2_web_acl.this.arn

  origin {
    origin_id   = "alb"
    domain_name = var.origin_domain_name

    # The ALB forwards only requests carrying this header (alb module).
    custom_header {
      name  = var.origin_verify_header
      value = var.origin_verify_value
    }

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  # Pages: never cached, every viewer header (Host, cookies, query) reaches Django.
  default_cache_behavior {
    target_origin_id           = "alb"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  # Static files carry a content hash (ManifestStaticFilesStorage): cache them long.
  ordered_cache_behavior {
    path_pattern               = "/static/*"
    target_origin_id           = "alb"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.this.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  logging_config {
    bucket          = var.logs_bucket_domain_name
    prefix          = "cloudfront/site/"
    include_cookies = false
  }

  tags = var.tags
}

# Media from S3 (CLOUDFRONT_DOMAIN); private/ needs a signed URL.
resource "aws_cloudfront_distribution" "media" {
  #checkov:skip=CKV_AWS_305:Media is addressed by object key only; with OAC and no s3:ListBucket "/" returns 403, there is no index to serve.
  #checkov:skip=CKV_AWS_310:One bucket, no replica in another region to fail over to (see CKV_AWS_144 in the s3-bucket module).
  #checkov:skip=CKV_AWS_374:The shop sells worldwide; no geo restriction is wanted.
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${var.name} media"
  aliases         = [var.media_domain_name]
  price_class     = var.price_class
  http_version    = "http2and3"
  web_acl_id      = aws_wafv2_web_acl.this.arn

  origin {
    origin_id                = "media"
    domain_name              = module.media.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id           = "media"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
  }

  ordered_cache_behavior {
    path_pattern               = "/${local.private_dir}/*"
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this.id
    trusted_key_groups         = [aws_cloudfront_key_group.this.id]
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.this.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  logging_config {
    bucket          = var.logs_bucket_domain_name
    prefix          = "cloudfront/media/"
    include_cookies = false
  }

  tags = var.tags
}

################################################################################
# Route 53
################################################################################

locals {
  alias_records = merge(
    { for n in local.site_names : n => { name = aws_cloudfront_distribution.site.domain_name, zone_id = aws_cloudfront_distribution.site.hosted_zone_id } },
    { (var.media_domain_name) = { name = aws_cloudfront_distribution.media.domain_name, zone_id = aws_cloudfront_distribution.media.hosted_zone_id } },
    # The origin name points at the ALB, or at the Global Accelerator in front of it.
    { (var.origin_domain_name) = { name = var.origin_alias.name, zone_id = var.origin_alias.zone_id } },
  )
  # CloudFront answers on IPv6 too; the origin is IPv4 only.
  alias_record_types = merge(
    { for h in keys(local.alias_records) : "${h} A" => { host = h, type = "A" } },
    { for h in concat(local.site_names, [var.media_domain_name]) : "${h} AAAA" => { host = h, type = "AAAA" } },
  )
}

resource "aws_route53_record" "this" {
  for_each = local.alias_record_types

  zone_id = var.route53_zone_id
  name    = each.value.host
  type    = each.value.type

  alias {
    name                   = local.alias_records[each.value.host].name
    zone_id                = local.alias_records[each.value.host].zone_id
    evaluate_target_health = each.value.host == var.origin_domain_name
  }
}

"""The optional API Gateway entry for /api/v1: keys and usage plans, VPC link, WAF, domain."""

from __future__ import annotations

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import block, module, object_keys, resource  # noqa: E402

MOD = "api-gateway"


def test_it_is_off_by_default_and_needs_a_partner_when_on():
    variable = module("securecart")["variable"]["api_gateway"]
    assert variable["default"]["enabled"] is False
    assert variable["default"]["partners"] == {}
    assert "length(var.api_gateway.partners) > 0" in variable["validation"][0]["condition"]
    call = module("securecart")["module"]["api_gateway"]
    assert call["count"] == "${var.api_gateway.enabled ? 1 : 0}"
    assert call["source"] == "../api-gateway"
    # The storefront path is untouched: CloudFront still fronts the ALB.
    assert module("securecart")["module"]["edge"]["origin_verify_header"] == (
        "${module.alb.origin_verify_header}"
    )


def test_the_rest_api_proxies_api_v1_and_requires_an_api_key():
    api = resource(MOD, "aws_api_gateway_rest_api")
    assert api["disable_execute_api_endpoint"] is True
    assert block(api, "endpoint_configuration")["types"] == ["REGIONAL"]
    parts = [
        resource(MOD, "aws_api_gateway_resource", n)["path_part"] for n in ("api", "v1", "proxy")
    ]
    assert parts == ["api", "v1", "{proxy+}"]
    assert resource(MOD, "aws_api_gateway_resource", "v1")["parent_id"] == "${aws_api_gateway_resource.api.id}"
    method = resource(MOD, "aws_api_gateway_method", "proxy")
    assert method["http_method"] == "ANY"
    assert method["api_key_required"] is True
    assert method["resource_id"] == "${aws_api_gateway_resource.proxy.id}"


def test_the_integration_is_private_and_adds_the_secret_and_the_key_id():
    from securecart import partners

    integration = resource(MOD, "aws_api_gateway_integration", "proxy")
    assert integration["type"] == "HTTP_PROXY"
    assert integration["connection_type"] == "VPC_LINK"
    assert integration["connection_id"] == "${aws_api_gateway_vpc_link.this.id}"
    assert integration["uri"] == "https://${var.origin_domain_name}/api/v1/{proxy}"
    assert block(integration, "tls_config")["insecure_skip_verification"] is False
    params = integration["request_parameters"]
    assert params[f"integration.request.header.{partners.VERIFY_HEADER}"] == (
        "'${random_password.verify.result}'"
    )
    assert params[f"integration.request.header.{partners.PARTNER_HEADER}"] == (
        "context.identity.apiKeyId"
    )
    assert params["integration.request.header.X-Request-ID"] == "context.requestId"
    locals_ = module(MOD)["locals"]
    assert (locals_["verify_header"], locals_["partner_header"]) == (
        partners.VERIFY_HEADER,
        partners.PARTNER_HEADER,
    )
    # A change of the integration redeploys the stage.
    triggers = resource(MOD, "aws_api_gateway_deployment")["triggers"]["redeployment"]
    assert "aws_api_gateway_integration.proxy.request_parameters" in triggers


def test_the_vpc_link_reaches_the_alb_through_an_internal_nlb_only():
    link = resource(MOD, "aws_api_gateway_vpc_link")
    assert link["target_arns"] == ["${aws_lb.api.arn}"]
    nlb = resource(MOD, "aws_lb", "api")
    assert nlb["load_balancer_type"] == "network" and nlb["internal"] is True
    assert nlb["subnets"] == "${var.private_subnet_ids}"
    assert nlb["enforce_security_group_inbound_rules_on_private_link_traffic"] == "off"
    resources = module(MOD)["resource"]
    assert "aws_vpc_security_group_ingress_rule" in resources
    ingress = resources["aws_vpc_security_group_ingress_rule"]
    # The only ingress rule is the ALB's, from the NLB: the NLB itself admits nobody.
    assert set(ingress) == {"alb_from_nlb"}
    assert ingress["alb_from_nlb"]["security_group_id"] == "${var.alb_security_group_id}"
    assert ingress["alb_from_nlb"]["referenced_security_group_id"] == "${aws_security_group.nlb.id}"
    target_group = resource(MOD, "aws_lb_target_group", "alb")
    assert (target_group["target_type"], target_group["protocol"], target_group["port"]) == ("alb", "TCP", 443)
    assert resource(MOD, "aws_lb_target_group_attachment", "alb")["target_id"] == "${var.alb_arn}"


def test_the_alb_forwards_api_gateway_requests_only_with_the_secret_and_only_api_v1():
    rule = resource(MOD, "aws_lb_listener_rule", "from_api_gateway")
    assert rule["listener_arn"] == "${var.alb_https_listener_arn}"
    conditions = rule["condition"]
    header = next(block(c, "http_header") for c in conditions if "http_header" in c)
    assert header == {
        "http_header_name": "${local.verify_header}",
        "values": ["${random_password.verify.result}"],
    }
    paths = next(block(c, "path_pattern") for c in conditions if "path_pattern" in c)
    assert paths["values"] == ["/api/v1/*"]
    assert rule["priority"] != resource("alb", "aws_lb_listener_rule", "from_cloudfront")["priority"]
    call = module("securecart")["module"]["api_gateway"]
    assert call["alb_https_listener_arn"] == "${module.alb.https_listener_arn}"
    assert call["origin_domain_name"] == "${local.origin_domain}"


def test_each_partner_gets_a_key_and_a_usage_plan_with_rate_burst_and_quota():
    plan = resource(MOD, "aws_api_gateway_usage_plan")
    assert plan["for_each"] == "${var.partners}"
    assert block(plan, "throttle_settings") == {
        "rate_limit": "${each.value.rate_limit}",
        "burst_limit": "${each.value.burst_limit}",
    }
    assert block(plan, "quota_settings") == {"limit": "${each.value.daily_quota}", "period": "DAY"}
    assert block(plan, "api_stages")["stage"] == "${aws_api_gateway_stage.this.stage_name}"
    key = resource(MOD, "aws_api_gateway_usage_plan_key")
    assert key["key_id"] == "${aws_api_gateway_api_key.this[each.key].id}"
    assert key["usage_plan_id"] == "${aws_api_gateway_usage_plan.this[each.key].id}"
    output = module(MOD)["output"]["partners_by_key_id"]["value"]
    assert "key.id => k" in output


def test_the_app_gets_the_partner_names_and_the_secret_only_when_enabled():
    services = module("securecart")["module"]["services"]["api_gateway"]
    assert services["partners"] == "${try(module.api_gateway[0].partners_by_key_id, {})}"
    assert services["verify_secret_arn"] == "${try(module.api_gateway[0].verify_secret_arn, null)}"
    ecs = module("ecs-services")
    environment = object_keys(ecs["locals"]["environment"])
    assert environment["API_GATEWAY_PARTNERS"] == "${jsonencode(var.api_gateway.partners)}"
    secrets = ecs["locals"]["secrets"]
    assert "API_GATEWAY_VERIFY_SECRET = var.api_gateway.verify_secret_arn" in secrets
    assert "if var.api_gateway.enabled" in secrets
    assert "var.api_gateway.enabled ? [var.api_gateway.verify_secret_arn] : []" in ecs["locals"]["secret_arns"]
    execution = ecs["data"]["aws_iam_policy_document"]["execution"]["statement"]
    decrypt = next(s for s in execution if s["sid"] == "DecryptAppSecretsAndImages")
    assert "var.api_gateway.kms_key_arn" in decrypt["resources"]


def test_the_stage_logs_every_call_with_its_key_id_and_traces():
    stage = resource(MOD, "aws_api_gateway_stage")
    assert stage["xray_tracing_enabled"] is True
    logs = block(stage, "access_log_settings")
    assert logs["destination_arn"] == "${aws_cloudwatch_log_group.access.arn}"
    log_format = module(MOD)["locals"]["access_log_format"]
    for field in ("$context.requestId", "$context.identity.apiKeyId", "$context.status", "$context.identity.sourceIp"):
        assert field in log_format, field
    group = resource(MOD, "aws_cloudwatch_log_group", "access")
    assert group["kms_key_id"] == "${aws_kms_key.this.arn}"
    settings = block(resource(MOD, "aws_api_gateway_method_settings", "all"), "settings")
    assert settings["data_trace_enabled"] is False  # bodies (carts, addresses) stay out of logs
    assert settings["throttling_rate_limit"] == "${var.stage_throttle.rate_limit}"
    account = resource(MOD, "aws_api_gateway_account")
    assert account["cloudwatch_role_arn"] == "${aws_iam_role.cloudwatch.arn}"


def test_the_custom_domain_has_its_own_validated_certificate():
    cert = resource(MOD, "aws_acm_certificate", "api")
    assert cert["domain_name"] == "${var.api_domain_name}" and cert["validation_method"] == "DNS"
    domain = resource(MOD, "aws_api_gateway_domain_name")
    assert domain["regional_certificate_arn"] == "${aws_acm_certificate_validation.api.certificate_arn}"
    assert domain["security_policy"] == "TLS_1_2"
    mapping = resource(MOD, "aws_api_gateway_base_path_mapping")
    assert mapping["stage_name"] == "${aws_api_gateway_stage.this.stage_name}"
    record = resource(MOD, "aws_route53_record", "api")
    assert block(record, "alias")["name"] == "${aws_api_gateway_domain_name.this.regional_domain_name}"
    assert module("securecart")["locals"]["api_domain"] == "api.${var.domain_name}"


def test_a_regional_waf_guards_the_stage_and_keeps_api_keys_out_of_its_logs():
    acl = resource(MOD, "aws_wafv2_web_acl", "api")
    assert acl["scope"] == "REGIONAL"
    names = [
        block(block(r, "statement"), "managed_rule_group_statement")["name"]
        for r in acl["rule"]
        if "managed_rule_group_statement" in block(r, "statement")
    ]
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= set(names)
    rate = block(block(acl["rule"][0], "statement"), "rate_based_statement")
    assert rate["limit"] == "${var.waf_rate_limit}"
    association = resource(MOD, "aws_wafv2_web_acl_association", "api")
    assert association["resource_arn"] == "${aws_api_gateway_stage.this.arn}"
    logging = resource(MOD, "aws_wafv2_web_acl_logging_configuration", "api")
    redacted = [block(r, "single_header")["name"] for r in logging["redacted_fields"]]
    assert "x-api-key" in redacted


def test_partner_limits_are_validated():
    condition = module(MOD)["variable"]["partners"]["validation"][0]["condition"]
    assert "p.rate_limit > 0" in condition and "p.daily_quota >= 1" in condition

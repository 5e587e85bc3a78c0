"""Alarms, the edge (CloudFront, WAF, media) and the optional Global Accelerator."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import block, module, resource  # noqa: E402


def metric_alarm_keys() -> str:
    return module("observability")["locals"]["metric_alarms"]


# --- alarms -------------------------------------------------------------------------------


def test_alarms_come_from_maps_through_one_resource_each():
    alarms = module("observability")["resource"]["aws_cloudwatch_metric_alarm"]
    assert set(alarms) == {"this", "rate", "cloudfront_5xx_rate"}
    assert alarms["this"]["for_each"] == "${local.metric_alarms}"
    assert alarms["rate"]["for_each"] == "${local.rate_alarms}"
    for name in ["this", "rate"]:
        assert alarms[name]["alarm_actions"] == "${local.alarm_topic}"
        assert alarms[name]["ok_actions"] == "${local.alarm_topic}"


@pytest.mark.parametrize(
    "key, metric",
    [
        ("alb-p99-latency", "TargetResponseTime"),
        ("alb-unhealthy-hosts", "UnHealthyHostCount"),
        ("alb-no-healthy-hosts", "HealthyHostCount"),
        ("outbox-lag", "OutboxLagSeconds"),
        ('"dlq-${k}"', "ApproximateNumberOfMessagesVisible"),
        ('"queue-age-${k}"', "ApproximateAgeOfOldestMessage"),
        ('"rds-${local.db_labels[db]}-cpu"', "CPUUtilization"),
        ('"rds-${local.db_labels[db]}-free-storage"', "FreeStorageSpace"),
        ('"rds-${local.db_labels[db]}-freeable-memory"', "FreeableMemory"),
        ('"rds-${local.db_labels[db]}-connections"', "DatabaseConnections"),
        ('"rds-${local.db_labels[db]}-lag"', "ReplicaLag"),
        ('"redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-cpu"', "EngineCPUUtilization"),
        ('"redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-memory"', "DatabaseMemoryUsagePercentage"),
        ('"redis-${trimprefix(n, "${var.redis_replication_group_id}-")}-evictions"', "Evictions"),
        ('"${k}-running-tasks"', "RunningTaskCount"),
    ],
)
def test_every_listed_alarm_is_in_the_map(key, metric):
    text = metric_alarm_keys()
    start = text.index(f"{key} => {{" if key.startswith('"') else f"{key} = {{")
    assert f'metric = "{metric}"' in text[start : start + 600], key


def test_alb_errors_are_alarmed_for_targets_and_for_the_alb_itself():
    rates = module("observability")["locals"]["rate_alarms"]
    metrics = {name: body["errors"] for name, body in rates.items()}
    assert metrics == {
        "alb-target-5xx-rate": "HTTPCode_Target_5XX_Count",
        "alb-elb-5xx-rate": "HTTPCode_ELB_5XX_Count",
    }


def test_cloudfront_5xx_rate_is_alarmed_in_us_east_1():
    alarm = resource("observability", "aws_cloudwatch_metric_alarm", "cloudfront_5xx_rate")
    assert alarm["provider"] == "${aws.us_east_1}"
    assert alarm["namespace"] == "AWS/CloudFront" and alarm["metric_name"] == "5xxErrorRate"
    assert alarm["dimensions"] == {"DistributionId": "${var.cloudfront_distribution_id}", "Region": "Global"}
    topic = resource("observability", "aws_sns_topic", "global_alarms")
    assert topic["provider"] == "${aws.us_east_1}"
    assert alarm["alarm_actions"] == ["${aws_sns_topic.global_alarms.arn}"]
    assert "kms" in topic["kms_master_key_id"]


def test_the_eventbridge_target_dlq_is_alarmed_with_the_queue_dlqs():
    dlqs = module("securecart")["module"]["observability"]["dlq_names"]
    assert dlqs.startswith("${merge(module.messaging.dlq_names")
    assert "eventbridge-targets = module.messaging.event_target_dlq_name" in dlqs


def test_outbox_lag_alarm_is_per_environment():
    text = metric_alarm_keys()
    outbox = text[text.index("outbox-lag = {") :][:700]
    assert "dimensions = {Environment = var.environment}" in outbox
    assert "namespace = var.app_metrics_namespace" in outbox
    call = module("securecart")["module"]["observability"]
    assert call["environment"] == "${var.environment}"
    env = module("ecs-services")["locals"]["environment"]
    assert env["SECURECART_ENVIRONMENT"] == "${var.environment}"


@pytest.mark.django_db
def test_outbox_lag_alarm_watches_the_gauge_the_app_writes(settings, monkeypatch):
    from securecart.observability import collectors, emf

    settings.SECURECART_METRICS_FORMAT = "emf"
    written: list[str] = []
    monkeypatch.setattr(emf, "emit", lambda *, name, **kwargs: written.append(name))
    collectors.gauges_emit()
    assert "OutboxLagSeconds" in written
    namespace = module("observability")["variable"]["app_metrics_namespace"]
    assert namespace["default"] == settings.SECURECART_METRICS_NAMESPACE
    assert module("ecs-services")["variable"]["metrics_namespace"]["default"] == settings.SECURECART_METRICS_NAMESPACE


@pytest.mark.django_db
def test_the_app_emits_outbox_lag_with_the_environment_dimension(settings, monkeypatch):
    from securecart.observability import collectors, emf

    settings.SECURECART_METRICS_FORMAT = "emf"
    settings.SECURECART_ENVIRONMENT = "staging"
    dimensions: dict[str, dict] = {}

    def record(*, name, dimensions: dict, **kwargs) -> None:
        seen[name] = dict(dimensions)

    seen = dimensions
    monkeypatch.setattr(emf, "emit", record)

    collectors.gauges_emit()
    assert dimensions["OutboxLagSeconds"].get("Environment") == "staging"


def test_log_groups_exist_for_every_task_definition_including_ops():
    call = module("securecart")["module"]["observability"]
    assert call["services"] == "${module.services.task_definition_keys}"
    groups = resource("observability", "aws_cloudwatch_log_group")
    assert groups["retention_in_days"] == "${var.log_retention_in_days}"


# --- edge ---------------------------------------------------------------------------------


def test_media_bucket_is_the_hardened_module_read_through_oac():
    media = module("edge")["module"]["media"]
    assert media["source"] == "../s3-bucket"
    assert media["kms_key_arn"] == "${aws_kms_key.this.arn}"
    assert media["access_logs"] == {"bucket": "${var.logs_bucket_id}", "prefix": "s3/media/"}
    read = module("edge")["data"]["aws_iam_policy_document"]["media_oac"]["statement"][0]
    assert read["principals"][0]["identifiers"] == ["cloudfront.amazonaws.com"]
    assert read["condition"][0]["values"] == ["${aws_cloudfront_distribution.media.arn}"]


def test_cloudfront_signs_private_media_and_reaches_the_origin_over_https():
    media = resource("edge", "aws_cloudfront_distribution", "media")
    private = block(media, "ordered_cache_behavior")
    assert private["trusted_key_groups"] == ["${aws_cloudfront_key_group.this.id}"]
    site = resource("edge", "aws_cloudfront_distribution", "site")
    origin = block(site, "origin")
    assert block(origin, "custom_origin_config")["origin_protocol_policy"] == "https-only"
    for dist in (site, media):
        assert dist["web_acl_id"] == "${aws_wafv2_web_acl.this.arn}"


def test_waf_rate_limits_login_and_checkout():
    acl = resource("edge", "aws_wafv2_web_acl")
    rules = {r["name"]: r for r in acl["rule"]}

    def paths(rule: dict) -> set[str]:
        return set(re.findall(r'"search_string": "([^"]+)"', json.dumps(rule)))

    assert paths(rules["rate-limit-login"]) == {"/accounts/login/", "/admin/login/"}
    assert paths(rules["rate-limit-checkout"]) == {"/checkout/", "/api/v1/checkout/"}


# --- Global Accelerator -------------------------------------------------------------------


def test_global_accelerator_is_optional_off_and_preserves_client_ips():
    call = module("securecart")["module"]["global_accelerator"]
    assert call["count"] == "${var.enable_global_accelerator ? 1 : 0}"
    assert module("securecart")["variable"]["enable_global_accelerator"]["default"] is False
    group = resource("global-accelerator", "aws_globalaccelerator_endpoint_group")
    endpoint = block(group, "endpoint_configuration")
    assert endpoint["endpoint_id"] == "${var.alb_arn}"
    # CloudFront's addresses still reach the ALB: its security group and the
    # TRUSTED_PROXY_COUNT=2 hop count stay right.
    assert endpoint["client_ip_preservation_enabled"] is True
    listener = resource("global-accelerator", "aws_globalaccelerator_listener", "https")
    assert block(listener, "port_range") == {"from_port": 443, "to_port": 443}
    alias = module("securecart")["module"]["edge"]["origin_alias"]
    assert "module.global_accelerator[0].dns_name" in alias and "module.alb.dns_name" in alias

"""The order tracking table: capacity modes, PITR, KMS, TTL, least privilege, alarms."""

from __future__ import annotations

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import MESSAGING, block, module, resource  # noqa: E402

from orders.tracking import TRACKED_EVENT_TYPES  # noqa: E402
from orders.tracking_table import KEY, TTL_ATTRIBUTE  # noqa: E402


def statements() -> dict[str, dict]:
    doc = module("ecs-services")["data"]["aws_iam_policy_document"]["task"]
    found = {}
    for dynamic in doc.get("dynamic", []):
        body = dynamic["statement"]
        found[body["content"][0]["sid"]] = body
    return found


def test_table_key_ttl_pitr_and_kms_match_the_app():
    table = resource("order-tracking", "aws_dynamodb_table")
    assert table["hash_key"] == KEY
    assert block(table, "attribute") == {"name": KEY, "type": "S"}
    assert block(table, "ttl") == {"attribute_name": TTL_ATTRIBUTE, "enabled": True}
    assert block(table, "point_in_time_recovery")["enabled"] is True
    sse = block(table, "server_side_encryption")
    assert sse == {"enabled": True, "kms_key_arn": "${aws_kms_key.this.arn}"}
    assert resource("order-tracking", "aws_kms_key")["enable_key_rotation"] is True


def test_table_is_on_demand_by_default_and_auto_scaled_when_provisioned():
    variables = module("order-tracking")["variable"]
    assert variables["billing_mode"]["default"] == "PAY_PER_REQUEST"
    locals_ = module("order-tracking")["locals"]
    for dimension in ("ReadCapacityUnits", "WriteCapacityUnits"):
        assert f"dynamodb:table:{dimension}" in locals_["scaled"]
    assert locals_["scaled"].endswith(": {}}")  # nothing to scale when on demand
    target = resource("order-tracking", "aws_appautoscaling_target")
    assert target["for_each"] == "${local.scaled}"
    assert target["service_namespace"] == "dynamodb"
    policy = resource("order-tracking", "aws_appautoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"
    config = block(policy, "target_tracking_scaling_policy_configuration")
    assert config["target_value"] == "${var.target_utilization}"
    table = resource("order-tracking", "aws_dynamodb_table")
    assert block(table, "lifecycle")["ignore_changes"] == ["read_capacity", "write_capacity"]


def test_table_name_comes_from_messaging_json_and_reaches_the_tasks():
    call = module("securecart")["module"]["order_tracking"]
    assert call["table_name"] == "${module.messaging.queue_prefix}${local.messaging.order_tracking_table}"
    assert MESSAGING["order_tracking_table"] == "order-tracking"
    services = module("securecart")["module"]["services"]
    assert services["order_tracking_table_name"] == "${module.order_tracking.table_name}"
    assert services["order_tracking_store"] == "${var.order_tracking.store}"
    environment = module("ecs-services")["locals"]["environment"]
    assert "ORDER_TRACKING_TABLE" in environment and "ORDER_TRACKING_STORE" in environment
    assert module("securecart")["variable"]["order_tracking"]["default"] == {}


def test_web_reads_the_projector_updates_and_ops_rebuilds_nothing_more():
    s = statements()
    expected = {
        "ReadOrderTracking": ('"web"', ["dynamodb:GetItem"]),
        "ProjectOrderTracking": ('"projector"', ["dynamodb:UpdateItem"]),
        "RebuildOrderTracking": ('"ops"', ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]),
    }
    for sid, (kind, actions) in expected.items():
        assert kind in s[sid]["for_each"], sid
        assert s[sid]["content"][0]["actions"] == actions, sid
        assert s[sid]["content"][0]["resources"] == ["${var.order_tracking_table_arn}"]
    text = str(module("ecs-services")["data"]["aws_iam_policy_document"])
    assert "dynamodb:*" not in text and "dynamodb:Scan" not in text
    assert "dynamodb:DeleteItem" not in text and "dynamodb:PutItem" not in text
    key = s["OrderTrackingKey"]["content"][0]
    assert key["resources"] == ["${var.order_tracking_kms_key_arn}"]
    assert key["condition"][0]["variable"] == "kms:ViaService"
    assert '"consumer", "projector"' in s["ConsumeOwnChannelQueue"]["for_each"]


def test_the_projector_has_its_own_queue_dlq_and_filter_from_messaging_json():
    queue = MESSAGING["channel_queues"]["order-tracking"]
    # the filter policy lets through exactly the events the projector applies
    assert set(queue["event_types"]) == TRACKED_EVENT_TYPES
    # the messaging module makes queue, DLQ and filtered subscription per channel key
    sub = resource("messaging", "aws_sns_topic_subscription", "channel")
    assert sub["for_each"] == "${local.m.channel_queues}"


def test_alarms_on_throttles_and_the_projector_dlq():
    observability = module("securecart")["module"]["observability"]
    assert observability["dynamodb_table_names"] == {
        "order-tracking": "${module.order_tracking.table_name}"
    }
    assert "module.messaging.dlq_names" in observability["dlq_names"]
    alarms = module("observability")["locals"]["metric_alarms"]
    assert "ReadThrottleEvents" in alarms and "WriteThrottleEvents" in alarms
    assert 'dynamodb-${k}-write-throttled' in alarms


def test_dynamodb_traffic_stays_in_the_vpc():
    endpoint = resource("network", "aws_vpc_endpoint", "dynamodb")
    assert endpoint["vpc_endpoint_type"] == "Gateway"

"""Structural tests of infra/terraform, parsed with python-hcl2 (no terraform binary).

They pin what `terraform plan` cannot tell a reviewer: the security properties of the
deployment and that queue, topic and bus names come from securecart/messaging.json only.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

hcl2 = pytest.importorskip("hcl2")

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
MODULES = TF / "modules"
ENVS = TF / "envs"
MODULE_NAMES = ["network", "data", "messaging", "compute", "edge", "observability"]
ENV_NAMES = ["staging", "production"]
MESSAGING = json.loads((ROOT / "securecart" / "messaging.json").read_text())
ALL_TF_FILES = sorted(TF.rglob("*.tf"))


def _unquote(value: Any) -> Any:
    """Strip python-hcl2's string quoting and block markers, recursively."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {
            _unquote(k): _unquote(v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.startswith("__"))
        }
    return value


@cache
def _load(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return _unquote(hcl2.load(f))


@cache
def _dir(path: Path) -> dict[str, Any]:
    """Merge every .tf file of a directory: resources, data, locals, variables, ..."""
    merged: dict[str, Any] = {
        "resource": {},
        "data": {},
        "locals": {},
        "variable": {},
        "output": {},
        "module": {},
        "terraform": [],
        "provider": [],
    }
    for f in sorted(path.glob("*.tf")):
        doc = _load(f)
        for block in doc.get("resource", []):
            for rtype, by_name in block.items():
                merged["resource"].setdefault(rtype, {}).update(by_name)
        for block in doc.get("data", []):
            for dtype, by_name in block.items():
                merged["data"].setdefault(dtype, {}).update(by_name)
        for block in doc.get("locals", []):
            merged["locals"].update(block)
        for kind in ("variable", "output", "module"):
            for block in doc.get(kind, []):
                merged[kind].update(block)
        merged["terraform"].extend(doc.get("terraform", []))
        merged["provider"].extend(doc.get("provider", []))
    return merged


def module(name: str) -> dict[str, Any]:
    return _dir(MODULES / name)


def env(name: str) -> dict[str, Any]:
    return _dir(ENVS / name)


def resource(mod: str, rtype: str, name: str = "this") -> dict[str, Any]:
    resources = module(mod)["resource"]
    assert rtype in resources, f"{mod}: no {rtype}"
    assert name in resources[rtype], f"{mod}: no {rtype}.{name}"
    return resources[rtype][name]


def block(body: dict[str, Any], key: str) -> dict[str, Any]:
    """First nested block `key` of a resource body."""
    value = body[key]
    return value[0] if isinstance(value, list) else value


def render(template: str, **values: str) -> str:
    """Evaluate a plain "${a.b}${c.d}" name template with the given values."""

    def sub(match: re.Match[str]) -> str:
        return values[match.group(1)]

    rendered = re.sub(r"\$\{([\w.]+)\}", sub, template)
    assert "${" not in rendered, f"unrendered template {template!r}"
    return rendered


def all_resources() -> list[tuple[Path, str, str, dict[str, Any]]]:
    found = []
    for d in [MODULES / m for m in MODULE_NAMES] + [TF / "bootstrap"]:
        if not d.exists():
            continue
        for rtype, by_name in _dir(d)["resource"].items():
            for name, body in by_name.items():
                found.append((d, rtype, name, body))
    return found


# --- the code parses and follows the module conventions ------------------------------


def test_terraform_tree_has_modules_envs_and_operator_readme():
    for m in MODULE_NAMES:
        for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]:
            assert (MODULES / m / f).is_file(), f"modules/{m}/{f} missing"
    for e in ENV_NAMES:
        assert (ENVS / e / "main.tf").is_file()
    readme = (TF / "README.md").read_text()
    assert "manage.py migrate" in readme
    assert "rollback" in readme.lower()


@pytest.mark.parametrize("path", ALL_TF_FILES, ids=lambda p: str(p.relative_to(TF)))
def test_every_tf_file_parses(path):
    doc = _load(path)
    assert doc, f"{path} parsed to nothing"


def test_every_variable_has_a_type_and_a_description():
    dirs = [MODULES / m for m in MODULE_NAMES] + [ENVS / e for e in ENV_NAMES]
    dirs.append(TF / "bootstrap")
    checked = 0
    for d in dirs:
        for name, var in _dir(d)["variable"].items():
            assert var.get("type"), f"{d.name}: variable {name} has no type"
            assert var.get("description"), f"{d.name}: variable {name} has no description"
            checked += 1
    assert checked > 60


def test_every_output_has_a_description_and_module_outputs_of_resources_use_try():
    for m in MODULE_NAMES:
        for name, out in module(m)["output"].items():
            assert out.get("description"), f"{m}: output {name} has no description"
            value = str(out["value"])
            if re.search(r"\baws_\w+\.", value):
                assert "try(" in value, f"{m}: output {name} reads a resource without try()"


def test_providers_are_pinned_with_an_upper_bound():
    roots = [MODULES / m for m in MODULE_NAMES] + [ENVS / e for e in ENV_NAMES]
    roots.append(TF / "bootstrap")
    for d in roots:
        terraform = _dir(d)["terraform"]
        assert terraform, f"{d}: no terraform block"
        t = terraform[0]
        assert t["required_version"].startswith(">=")
        providers = t["required_providers"][0]
        assert "aws" in providers
        for name, spec in providers.items():
            version = spec["version"]
            assert "<" in version or "~>" in version, f"{d}: {name} {version} unbounded"


# --- network ---------------------------------------------------------------------


def test_network_spans_two_azs_with_public_private_and_isolated_subnets():
    net = module("network")
    azs = net["variable"]["azs"]
    assert "length(var.azs) >= 2" in str(azs["validation"])
    subnets = net["resource"]["aws_subnet"]
    assert set(subnets) == {"public", "private", "database"}
    assert subnets["public"]["map_public_ip_on_launch"] is False
    # The database tier's route table has no route at all: isolated.
    routes = net["resource"]["aws_route"]
    assert {r["route_table_id"] for r in routes.values()} == {
        "${aws_route_table.public.id}",
        "${aws_route_table.private[count.index].id}",
    }
    assert "aws_nat_gateway" in net["resource"]


def test_network_has_endpoints_for_the_aws_services_the_app_calls_and_flow_logs():
    net = module("network")
    endpoints = net["variable"]["interface_endpoints"]["default"]
    for service in ["sqs", "sns", "secretsmanager", "ecr.api", "ecr.dkr", "logs"]:
        assert service in endpoints
    s3 = resource("network", "aws_vpc_endpoint", "s3")
    assert s3["vpc_endpoint_type"] == "Gateway"
    flow = resource("network", "aws_flow_log")
    assert flow["traffic_type"] == "ALL"


# --- data --------------------------------------------------------------------------


def test_rds_primary_is_multi_az_encrypted_backed_up_and_protected():
    data = module("data")
    db = resource("data", "aws_db_instance")
    assert db["engine"] == "postgres"
    assert db["storage_encrypted"] is True
    assert db["kms_key_id"] == "${aws_kms_key.this.arn}"
    assert db["multi_az"] == "${var.multi_az}"
    assert data["variable"]["multi_az"]["default"] is True
    assert db["backup_retention_period"] == "${var.backup_retention_period}"
    assert data["variable"]["backup_retention_period"]["default"] >= 7
    assert db["deletion_protection"] == "${var.deletion_protection}"
    assert data["variable"]["deletion_protection"]["default"] is True
    assert db["publicly_accessible"] is False


def test_rds_has_read_replicas_and_forces_ssl():
    data = module("data")
    replica = resource("data", "aws_db_instance", "replica")
    assert replica["replicate_source_db"] == "${aws_db_instance.this.identifier}"
    assert "var.replica_count >= 1" in str(data["variable"]["replica_count"]["validation"])
    params = {
        p["name"]: p["value"]
        for p in resource("data", "aws_db_parameter_group")["parameter"]
    }
    assert params["rds.force_ssl"] == "1"


def test_redis_is_multi_az_with_failover_encryption_and_auth_token():
    redis = resource("data", "aws_elasticache_replication_group")
    assert redis["automatic_failover_enabled"] is True
    assert redis["multi_az_enabled"] is True
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["transit_encryption_enabled"] is True
    assert redis["auth_token"] == "${random_password.redis.result}"


def test_database_and_redis_urls_are_secrets_with_tls():
    locals_ = module("data")["locals"]
    assert locals_["database_url"].startswith("postgres://")
    assert locals_["database_url"].endswith("?sslmode=require")
    assert locals_["redis_url"].startswith("rediss://:")
    for key in ["database-url", "database-replica-urls", "redis-url"]:
        assert key in locals_["secrets"]
    secret = resource("data", "aws_secretsmanager_secret")
    assert secret["for_each"] == "${local.secrets}"
    assert secret["kms_key_id"] == "${aws_kms_key.this.arn}"


def test_every_data_store_is_encrypted():
    checked = 0
    for d, rtype, name, body in all_resources():
        where = f"{d.name}: {rtype}.{name}"
        if rtype == "aws_db_instance":
            assert body["storage_encrypted"] is True, where
        elif rtype == "aws_elasticache_replication_group":
            assert body["at_rest_encryption_enabled"] is True, where
            assert body["transit_encryption_enabled"] is True, where
        elif rtype in ("aws_sqs_queue", "aws_sns_topic"):
            assert "aws_kms_key" in body["kms_master_key_id"], where
        elif rtype in ("aws_cloudwatch_log_group", "aws_secretsmanager_secret"):
            assert "aws_kms_key" in body["kms_key_id"], where
        elif rtype == "aws_dynamodb_table":
            assert block(body, "server_side_encryption")["enabled"] is True, where
        elif rtype == "aws_s3_bucket":
            sse = _dir(d)["resource"]["aws_s3_bucket_server_side_encryption_configuration"]
            assert name in sse, f"{where} has no encryption configuration"
        else:
            continue
        checked += 1
    assert checked >= 15


# --- messaging: one source of truth ----------------------------------------------------


def test_env_roots_read_names_from_messaging_json():
    for e in ENV_NAMES:
        locals_ = env(e)["locals"]
        expr = locals_["messaging"]
        match = re.fullmatch(r'\$\{jsondecode\(file\("\$\{path\.module\}/(.+)"\)\)\}', expr)
        assert match, f"{e}: messaging is not jsondecode(file(...)): {expr}"
        assert (ENVS / e / match.group(1)).resolve() == ROOT / "securecart" / "messaging.json"
        messaging_module = env(e)["module"]["messaging"]
        assert messaging_module["messaging"] == "${local.messaging}"
        assert messaging_module["queue_prefix"] == "${local.queue_prefix}"


def test_messaging_module_type_accepts_messaging_json():
    declared = module("messaging")["variable"]["messaging"]["type"]
    for key in MESSAGING:
        if key.startswith("_") or key == "default_queue_prefix":
            continue
        assert key in declared, f"messaging.json key {key} not declared"
    for entry in list(MESSAGING["celery_queues"].values()) + list(
        MESSAGING["channel_queues"].values()
    ):
        for attribute in entry:
            assert attribute in declared


def test_messaging_creates_a_queue_and_a_dlq_per_key_of_messaging_json():
    m = module("messaging")
    queues_expr = m["locals"]["queues"]
    assert "local.m.celery_queues" in queues_expr
    assert "local.m.channel_queues" in queues_expr
    queue = resource("messaging", "aws_sqs_queue")
    dlq = resource("messaging", "aws_sqs_queue", "dlq")
    assert queue["for_each"] == dlq["for_each"] == "${local.queues}"
    assert queue["visibility_timeout_seconds"] == "${each.value.visibility_timeout}"
    assert "local.m.max_receive_count" in queue["redrive_policy"]
    assert "aws_sqs_queue.dlq[each.key].arn" in queue["redrive_policy"]

    # Evaluate the name templates for a production prefix and every JSON key.
    prefix = "securecart-prod-"
    expected = set(MESSAGING["celery_queues"]) | set(MESSAGING["channel_queues"])
    assert {"default", "fulfilment", "events", "notifications"} <= expected
    for key in expected:
        name = render(queue["name"], **{"var.queue_prefix": prefix, "each.key": key})
        dlq_name = render(
            dlq["name"],
            **{
                "var.queue_prefix": prefix,
                "each.key": key,
                "local.m.dlq_suffix": MESSAGING["dlq_suffix"],
            },
        )
        assert name == f"{prefix}{key}"
        assert dlq_name == f"{prefix}{key}{MESSAGING['dlq_suffix']}"


def test_every_sqs_queue_has_a_dead_letter_queue():
    dlq_names = set()
    for d, rtype, name, body in all_resources():
        if rtype != "aws_sqs_queue":
            continue
        if "redrive_policy" in body:
            target = re.search(r"aws_sqs_queue\.(\w+)", body["redrive_policy"])
            assert target, f"{d.name}: {name} redrive policy targets no queue"
            dlq_names.add((d, target.group(1)))
    for d, rtype, name, body in all_resources():
        if rtype == "aws_sqs_queue":
            assert "redrive_policy" in body or (d, name) in dlq_names, (
                f"{d.name}: aws_sqs_queue.{name} has no DLQ and is none"
            )
    assert dlq_names


def test_order_events_topic_fans_out_to_channel_queues_filtered_on_event_type():
    topic = resource("messaging", "aws_sns_topic")
    assert topic["name"] == "${local.topic_name}"
    topic_name = module("messaging")["locals"]["topic_name"]
    assert render(
        topic_name,
        **{
            "var.queue_prefix": "securecart-prod-",
            "local.m.order_events_topic": MESSAGING["order_events_topic"],
        },
    ) == "securecart-prod-order-events"
    assert "aws_kms_key" in topic["kms_master_key_id"]

    sub = resource("messaging", "aws_sns_topic_subscription", "channel")
    assert sub["for_each"] == "${local.m.channel_queues}"
    assert sub["protocol"] == "sqs"
    assert sub["raw_message_delivery"] is True
    assert sub["filter_policy_scope"] == "MessageAttributes"
    assert sub["filter_policy"] == "${jsonencode({event_type = each.value.event_types})}"
    for channel in MESSAGING["channel_queues"].values():
        assert channel["event_types"], "a channel with no event types gets nothing"


def test_channel_queue_policies_allow_only_the_order_events_topic():
    doc = module("messaging")["data"]["aws_iam_policy_document"]["queue"]
    allow = doc["dynamic"][0]["statement"]
    assert allow["for_each"] == "${each.value.channel ? [1] : []}"
    content = allow["content"][0]
    assert content["actions"] == ["sqs:SendMessage"]
    assert content["principals"][0]["identifiers"] == ["sns.amazonaws.com"]
    condition = content["condition"][0]
    assert condition["variable"] == "aws:SourceArn"
    assert condition["values"] == ["${aws_sns_topic.this.arn}"]


def test_event_bus_and_rule_come_from_messaging_json():
    m = module("messaging")
    assert render(
        m["locals"]["event_bus_name"],
        **{"local.m.event_bus": MESSAGING["event_bus"], "var.environment": "production"},
    ) == f"{MESSAGING['event_bus']}-production"
    rule = resource("messaging", "aws_cloudwatch_event_rule", "order_events")
    assert rule["event_pattern"] == "${jsonencode({source = [local.m.event_source]})}"
    target = resource("messaging", "aws_cloudwatch_event_target", "analytics")
    assert target["arn"] == "${aws_cloudwatch_log_group.analytics.arn}"


def _string_values(node: Any) -> list[str]:
    """Every string value of a parsed document (block labels and comments excluded)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _string_values(item)]
    if isinstance(node, dict):
        return [s for item in node.values() for s in _string_values(item)]
    return []


def test_no_queue_topic_or_bus_name_is_typed_in_terraform():
    literals = (
        set(MESSAGING["celery_queues"])
        | set(MESSAGING["channel_queues"])
        | {MESSAGING["order_events_topic"], MESSAGING["event_bus"], MESSAGING["event_source"]}
    )
    assert "fulfilment" in literals and "order-events" in literals
    for path in ALL_TF_FILES:
        for value in _string_values(_load(path)):
            for literal in literals:
                assert value != literal, f"{path}: typed name {literal!r}"
                assert f'"{literal}"' not in value, f"{path}: typed name {literal!r} in {value}"


# --- compute: task definitions wired from module outputs ---------------------------------

APP_ENVIRONMENT = [
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
    "AWS_REGION",
    "AWS_STORAGE_BUCKET_NAME",
    "CLOUDFRONT_DOMAIN",
    "AWS_CLOUDFRONT_KEY_ID",
    "SNS_ORDER_EVENTS_TOPIC_ARN",
    "EVENT_BUS_NAME",
    "SQS_QUEUE_PREFIX",
    "DEFAULT_FROM_EMAIL",
    "EMAIL_HOST",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "SECURECART_METRICS_FORMAT",
]
APP_SECRETS = [
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "AWS_CLOUDFRONT_KEY",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
]


def _object_keys(expr: dict[str, str] | str) -> dict[str, str]:
    """Top-level `KEY = value` pairs of an HCL object (parsed, or an expression string)."""
    if isinstance(expr, dict):
        return expr
    return dict(re.findall(r"\b([A-Z][A-Z0-9_]+) = ([^,}]+)", expr))


def test_task_definitions_carry_the_app_environment_and_secrets():
    locals_ = module("compute")["locals"]
    environment = _object_keys(locals_["environment"])
    secrets = _object_keys(locals_["secrets"])
    for name in APP_ENVIRONMENT:
        assert name in environment, f"{name} not in the task environment"
    for name in APP_SECRETS:
        assert name in secrets, f"{name} not a task secret"
        assert name not in environment, f"{name} must not be plain environment"
    assert environment["DJANGO_SETTINGS_MODULE"] == "securecart.settings.production"
    assert environment["CELERY_BROKER_URL"] == "sqs://"
    assert environment["SECURECART_METRICS_FORMAT"] == "emf"

    task = resource("compute", "aws_ecs_task_definition")
    containers = task["container_definitions"]
    assert "merge(local.environment, {OTEL_SERVICE_NAME" in containers
    assert "for k, v in local.secrets : {name = k, valueFrom = v}" in containers
    assert "readonlyRootFilesystem = true" in containers


def test_task_definitions_get_names_from_module_outputs_not_literals():
    environment = _object_keys(module("compute")["locals"]["environment"])
    assert environment["SQS_QUEUE_PREFIX"] == "${var.queue_prefix}"
    assert environment["SNS_ORDER_EVENTS_TOPIC_ARN"] == "${var.order_events_topic_arn}"
    assert environment["EVENT_BUS_NAME"] == "${var.event_bus_name}"
    assert environment["AWS_STORAGE_BUCKET_NAME"] == "${var.media_bucket_name}"
    assert environment["CLOUDFRONT_DOMAIN"] == "${var.cloudfront_domain}"
    assert environment["AWS_CLOUDFRONT_KEY_ID"] == "${var.cloudfront_key_id}"

    wiring = {
        "queue_prefix": "${module.messaging.queue_prefix}",
        "order_events_topic_arn": "${module.messaging.order_events_topic_arn}",
        "event_bus_name": "${module.messaging.event_bus_name}",
        "media_bucket_name": "${module.edge.media_bucket_name}",
        "cloudfront_domain": "${module.edge.cloudfront_domain}",
        "cloudfront_key_id": "${module.edge.cloudfront_key_id}",
        "database_url_secret_arn": "${module.data.database_url_secret_arn}",
        "redis_url_secret_arn": "${module.data.redis_url_secret_arn}",
        "celery_queues": "${keys(local.messaging.celery_queues)}",
        "channel_queues": "${keys(local.messaging.channel_queues)}",
    }
    for e in ENV_NAMES:
        compute = env(e)["module"]["compute"]
        for argument, expected in wiring.items():
            assert compute[argument] == expected, f"{e}: compute.{argument}"


def test_services_cover_web_worker_beat_and_one_consumer_per_channel():
    locals_ = module("compute")["locals"]
    services = locals_["services"]
    assert '"gunicorn", "securecart.wsgi:application"' in services
    assert '"celery", "-A", "securecart", "worker", "-Q", join(",", var.celery_queues)' in services
    assert '"celery", "-A", "securecart", "beat"' in services
    channels = locals_["channel_services"]
    assert "for q in var.channel_queues" in channels
    assert '"consume_notifications", "--channel", trimprefix(q, "notifications-")' in channels
    for key in MESSAGING["channel_queues"]:
        assert key.startswith("notifications-"), "consumer --channel derives from the key"


def test_beat_runs_exactly_one_task_even_during_deployments():
    services = module("compute")["locals"]["services"]
    beat = re.search(r"beat = \{(.*?)\}", services, re.S)
    assert beat
    body = beat.group(1)
    assert "desired_count = 1" in body
    assert "max = 1" in body
    assert "max_percent = 100" in body
    assert "min_percent = 0" in body
    autoscaled = module("compute")["locals"]["autoscaled"]
    assert 's.kind != "beat"' in autoscaled
    svc = resource("compute", "aws_ecs_service")
    assert svc["desired_count"] == "${each.value.desired_count}"
    assert svc["deployment_maximum_percent"] == "${each.value.max_percent}"
    assert svc["deployment_minimum_healthy_percent"] == "${each.value.min_percent}"


def test_alb_serves_https_redirects_http_and_checks_readyz():
    https = resource("compute", "aws_lb_listener", "https")
    assert https["protocol"] == "HTTPS"
    assert https["certificate_arn"].startswith("${aws_acm_certificate_validation")
    assert "TLS13" in https["ssl_policy"]
    http = resource("compute", "aws_lb_listener", "http")
    redirect = block(block(http, "default_action"), "redirect")
    assert redirect["protocol"] == "HTTPS"
    assert redirect["status_code"] == "HTTP_301"
    health = block(resource("compute", "aws_lb_target_group", "web"), "health_check")
    assert health["path"] == "/readyz"
    alb = resource("compute", "aws_lb")
    assert alb["drop_invalid_header_fields"] is True


def test_web_scales_on_cpu_and_requests_and_consumers_on_backlog_per_task():
    cpu = resource("compute", "aws_appautoscaling_policy", "web_cpu")
    spec = block(block(cpu, "target_tracking_scaling_policy_configuration"), "predefined_metric_specification")
    assert spec["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"
    req = resource("compute", "aws_appautoscaling_policy", "web_requests")
    spec = block(block(req, "target_tracking_scaling_policy_configuration"), "predefined_metric_specification")
    assert spec["predefined_metric_type"] == "ALBRequestCountPerTarget"
    backlog = resource("compute", "aws_appautoscaling_policy", "queue_backlog")
    assert backlog["for_each"] == "${local.queue_scaled}"
    custom = block(block(backlog, "target_tracking_scaling_policy_configuration"), "customized_metric_specification")
    text = json.dumps(custom)
    assert "ApproximateNumberOfMessagesVisible" in text
    assert "RunningTaskCount" in text
    assert "/ tasks" in text


def test_task_roles_are_least_privilege_per_service():
    compute = module("compute")
    assert compute["resource"]["aws_iam_role"]["task"]["for_each"] == "${local.services}"
    doc = compute["data"]["aws_iam_policy_document"]["task"]
    statements = {d["statement"]["content"][0]["sid"]: d["statement"] for d in doc["dynamic"]}
    own = statements["ConsumeOwnChannelQueue"]
    assert own["for_each"] == '${each.value.kind == "consumer" ? [1] : []}'
    assert own["content"][0]["resources"] == "${[for q in each.value.queues : var.queue_arns[q]]}"
    assert statements["EnqueueCeleryTasks"]["content"][0]["resources"] == "${local.celery_queue_arns}"
    assert statements["PublishOrderEvents"]["content"][0]["resources"] == [
        "${var.order_events_topic_arn}"
    ]
    assert statements["PrivateMediaReadWrite"]["content"][0]["resources"] == [
        "${var.media_bucket_arn}/private/*"
    ]
    for name, body in compute["data"]["aws_iam_policy_document"].items():
        text = json.dumps(body)
        for wildcard in ['"sqs:*"', '"s3:*"', '"sns:*"', '"*:*"']:
            assert wildcard not in text, f"compute policy {name} grants {wildcard}"


def test_containers_run_read_only_as_non_root():
    containers = resource("compute", "aws_ecs_task_definition")["container_definitions"]
    assert 'user = "10001"' in containers
    assert "/healthz" in str(module("compute")["locals"]["web_health_check"]["command"])
    svc = resource("compute", "aws_ecs_service")
    assert block(svc, "network_configuration")["assign_public_ip"] is False
    breaker = block(svc, "deployment_circuit_breaker")
    assert breaker["rollback"] is True


# --- edge ------------------------------------------------------------------------------


def test_media_bucket_is_private_versioned_encrypted_and_read_through_oac():
    pab = resource("edge", "aws_s3_bucket_public_access_block", "media")
    for flag in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]:
        assert pab[flag] is True, flag
    ownership = block(resource("edge", "aws_s3_bucket_ownership_controls", "media"), "rule")
    assert ownership["object_ownership"] == "BucketOwnerEnforced"
    versioning = resource("edge", "aws_s3_bucket_versioning", "media")
    assert block(versioning, "versioning_configuration")["status"] == "Enabled"
    sse = resource("edge", "aws_s3_bucket_server_side_encryption_configuration", "media")
    default = block(block(sse, "rule"), "apply_server_side_encryption_by_default")
    assert default["sse_algorithm"] == "aws:kms"
    assert "aws_s3_bucket_acl" not in module("edge")["resource"]
    policy = module("edge")["data"]["aws_iam_policy_document"]["media"]
    read = policy["statement"][0]
    assert read["principals"][0]["identifiers"] == ["cloudfront.amazonaws.com"]
    assert read["condition"][0]["values"] == ["${aws_cloudfront_distribution.media.arn}"]


def test_no_bucket_anywhere_is_public():
    for d, rtype, name, body in all_resources():
        if rtype == "aws_s3_bucket":
            pab = _dir(d)["resource"]["aws_s3_bucket_public_access_block"][name]
            assert all(pab[f] is True for f in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"])
        if rtype == "aws_s3_bucket_acl":
            assert "public" not in str(body.get("acl", ""))


def test_cloudfront_signs_private_media_and_fronts_the_alb():
    media = resource("edge", "aws_cloudfront_distribution", "media")
    origin = block(media, "origin")
    assert origin["origin_access_control_id"] == "${aws_cloudfront_origin_access_control.this.id}"
    private = block(media, "ordered_cache_behavior")
    assert private["path_pattern"] == "/${local.private_dir}/*"
    assert module("edge")["locals"]["private_dir"] == "private"
    assert private["trusted_key_groups"] == ["${aws_cloudfront_key_group.this.id}"]
    key_group = resource("edge", "aws_cloudfront_key_group")
    assert key_group["items"] == ["${aws_cloudfront_public_key.this.id}"]

    site = resource("edge", "aws_cloudfront_distribution", "site")
    assert block(block(site, "origin"), "custom_origin_config")["origin_protocol_policy"] == "https-only"
    assert block(site, "ordered_cache_behavior")["path_pattern"] == "/static/*"
    for dist in (site, media):
        assert dist["web_acl_id"] == "${aws_wafv2_web_acl.this.arn}"
        assert block(dist, "viewer_certificate")["minimum_protocol_version"] == "TLSv1.2_2021"


def test_waf_uses_managed_rules_and_rate_limits_login_and_checkout():
    acl = resource("edge", "aws_wafv2_web_acl")
    rules = {r["name"]: r for r in acl["rule"]}
    managed = {
        block(block(r, "statement"), "managed_rule_group_statement")["name"]
        for r in acl["rule"]
        if "managed_rule_group_statement" in block(r, "statement")
    }
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed

    def paths(rule: dict[str, Any]) -> set[str]:
        return set(re.findall(r'"search_string": "([^"]+)"', json.dumps(rule)))

    assert paths(rules["rate-limit-login"]) == {"/accounts/login/", "/admin/login/"}
    assert paths(rules["rate-limit-checkout"]) == {"/checkout/", "/api/v1/checkout/"}
    for name in ("rate-limit-login", "rate-limit-checkout"):
        assert "rate_based_statement" in block(rules[name], "statement")
        assert "block" in block(rules[name], "action")


# --- observability ----------------------------------------------------------------------


def test_every_dlq_alarms_when_not_empty():
    dlq = resource("observability", "aws_cloudwatch_metric_alarm", "dlq_depth")
    assert dlq["for_each"] == "${var.dlq_names}"
    assert dlq["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["comparison_operator"] == "GreaterThanThreshold"
    assert dlq["threshold"] == 0
    for e in ENV_NAMES:
        obs = env(e)["module"]["observability"]
        assert obs["dlq_names"] == "${module.messaging.dlq_names}"
        assert obs["queue_names"] == "${module.messaging.queue_names}"


def test_alarms_cover_alb_queues_rds_redis_and_ecs():
    alarms = module("observability")["resource"]["aws_cloudwatch_metric_alarm"]
    assert set(alarms) >= {
        "alb_5xx_rate",
        "alb_p99_latency",
        "dlq_depth",
        "queue_age",
        "rds_cpu",
        "rds_replica_lag",
        "redis_evictions",
        "ecs_running_tasks",
    }
    assert alarms["alb_p99_latency"]["extended_statistic"] == "p99"
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == "${local.alarm_topic}", name
    topic = resource("observability", "aws_sns_topic", "alarms")
    assert "aws_kms_key" in topic["kms_master_key_id"]
    assert "aws_cloudwatch_dashboard" in module("observability")["resource"]
    groups = resource("observability", "aws_cloudwatch_log_group")
    assert groups["retention_in_days"] == "${var.log_retention_in_days}"


# --- environments -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ENV_NAMES)
def test_env_uses_s3_backend_with_dynamodb_lock(name):
    terraform = env(name)["terraform"][0]
    backend = terraform["backend"][0]["s3"]
    assert backend["encrypt"] is True
    assert backend["dynamodb_table"]
    assert backend["key"] == f"securecart/{name}/terraform.tfstate"
    modules = env(name)["module"]
    assert set(modules) == set(MODULE_NAMES)
    for m, call in modules.items():
        assert call["source"] == f"../../modules/{m}"


def test_production_is_bigger_than_staging():
    prod = env("production")["module"]
    staging = env("staging")["module"]
    assert prod["data"]["replica_count"] > staging["data"]["replica_count"] >= 1
    assert prod["compute"]["web"]["min"] > staging["compute"]["web"]["min"]
    assert env("staging")["module"]["network"]["single_nat_gateway"] is True
    assert prod["network"]["single_nat_gateway"] is False


# --- Docker image -----------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_image_with_static_files_and_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert "requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*?/healthz", dockerfile, re.M | re.S)
    assert "gunicorn" in dockerfile and "securecart.wsgi:application" in dockerfile
    assert (ROOT / ".dockerignore").read_text().count(".venv") >= 1


@pytest.mark.django_db
def test_outbox_lag_alarm_watches_the_gauge_the_app_writes(settings, monkeypatch):
    from securecart.observability import collectors, emf

    # given the app writing its gauges as EMF, as in AWS
    settings.SECURECART_METRICS_FORMAT = "emf"
    written: list[str] = []
    monkeypatch.setattr(emf, "emit", lambda *, name, **kwargs: written.append(name))
    collectors.gauges_emit()
    # then the alarm reads a metric the app writes, in the app's namespace
    alarm = resource("observability", "aws_cloudwatch_metric_alarm", "outbox_lag")
    namespace = module("observability")["variable"]["app_metrics_namespace"]
    assert alarm["metric_name"] in written
    assert alarm["namespace"] == "${var.app_metrics_namespace}"
    assert namespace["default"] == settings.SECURECART_METRICS_NAMESPACE
    assert alarm["threshold"] == "${var.outbox_lag_threshold_seconds}"
    assert alarm["alarm_actions"] == "${local.alarm_topic}"

"""ECS, ALB and IAM: the task environment, capacity, origin protection, least privilege."""

from __future__ import annotations

import ast
import json
import re

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import (  # noqa: E402
    ENV_NAMES,
    MESSAGING,
    ROOT,
    block,
    env,
    module,
    object_keys,
    resource,
)

SETTINGS = ROOT / "securecart" / "settings"


def task_environment() -> dict[str, str]:
    return object_keys(module("ecs-services")["locals"]["environment"])


def task_secrets() -> dict[str, str]:
    return object_keys(module("ecs-services")["locals"]["secrets"])


def production_required() -> list[str]:
    """The REQUIRED tuple of securecart/settings/production.py."""
    tree = ast.parse((SETTINGS / "production.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "REQUIRED" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError("production.py has no REQUIRED tuple")


# --- the one task environment ------------------------------------------------------------


def test_every_variable_production_settings_require_is_in_the_task_environment():
    required = production_required()
    assert "DJANGO_SECRET_KEY" in required and "DATABASE_URL" in required
    provided = set(task_environment()) | set(task_secrets())
    missing = [name for name in required if name not in provided]
    assert not missing, f"production.py requires {missing}, no task definition sets them"


def test_the_task_environment_sets_what_aws_needs():
    environment = task_environment()
    # kombu must not call ListQueues/CreateQueue: no task role may.
    assert environment["SQS_PREDEFINED_QUEUES"] == "1"
    assert environment["AWS_ACCOUNT_ID"] == "${local.account_id}"
    assert environment["CELERY_BROKER_URL"] == "sqs://"
    # CloudFront + ALB both append to X-Forwarded-For.
    assert environment["TRUSTED_PROXY_COUNT"] == "${tostring(var.trusted_proxy_count)}"
    assert module("securecart")["module"]["services"]["trusted_proxy_count"] == 2
    assert environment["DJANGO_SETTINGS_MODULE"] == "securecart.settings.production"
    assert environment["DJANGO_EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert environment["SECURECART_METRICS_FORMAT"] == "emf"
    assert environment["SECURECART_ENVIRONMENT"] == "${var.environment}"
    for name in ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST_PASSWORD"]:
        assert name in task_secrets() and name not in environment, name


def test_trusted_proxy_count_matches_how_the_app_counts_hops():
    from django.test import RequestFactory, override_settings

    from securecart.http import client_ip

    # Viewer 203.0.113.7 forges a first entry; CloudFront appends the viewer, the ALB
    # appends the CloudFront edge and connects from inside the VPC.
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7, 130.176.0.10",
        REMOTE_ADDR="10.10.0.5",
    )
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "203.0.113.7"


def test_every_task_environment_name_is_read_by_the_app():
    """A typo in a name would silently leave the setting at its default."""
    sources = "\n".join(
        p.read_text()
        for folder in ["securecart", "accounts", "orders", "shop", "notifications"]
        for p in (ROOT / folder).rglob("*.py")
    )
    read_elsewhere = {
        "OTEL_EXPORTER_OTLP_ENDPOINT",  # the OpenTelemetry SDK reads it
        "SECURECART_ENVIRONMENT",  # metric dimension; see observability outbox-lag alarm
    }
    for name in task_environment():
        if name in read_elsewhere:
            continue
        assert re.search(rf"[\"']{name}[\"']", sources), f"{name} is set but nothing reads it"


def test_every_task_definition_gets_the_same_environment_and_secrets():
    task = resource("ecs-services", "aws_ecs_task_definition")
    assert task["for_each"] == "${local.task_definitions}"
    containers = task["container_definitions"]
    assert "merge(local.environment, {OTEL_SERVICE_NAME" in containers
    assert "for k, v in local.secrets : {name = k, valueFrom = v}" in containers
    assert 'user = "10001"' in containers and "readonlyRootFilesystem = true" in containers
    definitions = module("ecs-services")["locals"]["task_definitions"]
    assert definitions == "${merge(local.services, {ops = local.ops})}"


def test_task_definitions_run_on_arm64():
    platform = block(resource("ecs-services", "aws_ecs_task_definition"), "runtime_platform")
    assert platform["cpu_architecture"] == "ARM64"
    assert platform["operating_system_family"] == "LINUX"


def test_names_come_from_module_outputs_not_literals():
    environment = task_environment()
    assert environment["SQS_QUEUE_PREFIX"] == "${var.queue_prefix}"
    assert environment["SNS_ORDER_EVENTS_TOPIC_ARN"] == "${var.order_events_topic_arn}"
    assert environment["EVENT_BUS_NAME"] == "${var.event_bus_name}"
    services = module("securecart")["module"]["services"]
    assert services["queue_prefix"] == "${module.messaging.queue_prefix}"
    assert services["celery_queues"] == "${keys(local.messaging.celery_queues)}"
    assert services["channel_queues"] == (
        '${[for q in keys(local.messaging.channel_queues) : q if startswith(q, "notifications-")]}'
    )
    assert services["database_url_secret_arn"] == "${module.data.database_url_secret_arn}"


# --- services ------------------------------------------------------------------------------


def test_services_cover_web_worker_beat_and_one_consumer_per_channel():
    locals_ = module("ecs-services")["locals"]
    assert '"gunicorn", "securecart.wsgi:application"' in locals_["services"]
    assert '"celery", "-A", "securecart", "worker", "-Q", join(",", var.celery_queues)' in locals_["services"]
    assert '"celery", "-A", "securecart", "beat"' in locals_["services"]
    assert '"consume_notifications", "--channel", trimprefix(q, "notifications-")' in locals_["channel_services"]
    # Every other subscriber queue of the topic has its own service: the projector.
    for key in MESSAGING["channel_queues"]:
        assert key.startswith("notifications-") or key == "order-tracking"
    assert '"manage.py", "project_order_tracking"' in locals_["services"]
    assert "queues = var.projector_queues" in locals_["services"]
    services = module("securecart")["module"]["services"]
    assert services["projector_queues"] == (
        '${[for q in keys(local.messaging.channel_queues) : q if !startswith(q, "notifications-")]}'
    )


def test_beat_runs_exactly_one_task_even_during_deployments():
    services = module("ecs-services")["locals"]["services"]
    body = re.search(r"beat = \{(.*?)\}", services, re.S).group(1)
    for expected in ["desired_count = 1", "max = 1", "max_percent = 100", "min_percent = 0", 'capacity = "on-demand"']:
        assert expected in body, expected


def test_workers_and_consumers_run_on_fargate_spot_by_default():
    locals_ = module("ecs-services")["locals"]
    spot = locals_["capacity"]["spot"]
    assert {s["capacity_provider"] for s in spot} == {"FARGATE", "FARGATE_SPOT"}
    assert next(s for s in spot if s["capacity_provider"] == "FARGATE_SPOT")["weight"] == 1
    assert next(s for s in spot if s["capacity_provider"] == "FARGATE")["weight"] == 0
    assert locals_["worker_capacity"] == '${var.ec2_spot_capacity_provider == null ? "spot" : "ec2-spot"}'
    assert 'capacity = "spot"' in locals_["channel_services"]
    assert re.search(r'web = \{[^}]*capacity = "on-demand"', locals_["services"])
    strategy = resource("ecs-services", "aws_ecs_service")["dynamic"][0]["capacity_provider_strategy"]
    assert strategy["for_each"] == "${local.capacity[each.value.capacity]}"
    assert "launch_type" not in resource("ecs-services", "aws_ecs_service")
    cluster = resource("ecs-cluster", "aws_ecs_cluster_capacity_providers")
    assert '"FARGATE_SPOT"' in cluster["capacity_providers"]


def test_ec2_spot_capacity_provider_is_optional_and_off_by_default():
    cluster = module("ecs-cluster")
    assert cluster["variable"]["ec2_spot"]["default"]["enabled"] is False
    asg = resource("ecs-cluster", "aws_autoscaling_group", "ec2")
    assert asg["count"] == "${local.ec2_enabled ? 1 : 0}"
    dist = block(block(asg, "mixed_instances_policy"), "instances_distribution")
    assert dist["on_demand_percentage_above_base_capacity"] == 0
    template = resource("ecs-cluster", "aws_launch_template", "ec2")
    assert block(template, "metadata_options")["http_tokens"] == "required"
    assert block(block(template, "block_device_mappings"), "ebs")["encrypted"] is True
    assert "arm64" in resource("ecs-cluster", "aws_launch_template", "ec2")["image_id"] or "arm64" in str(
        cluster["data"]["aws_ssm_parameter"]["ecs_ami"]["name"]
    )
    provider = resource("ecs-cluster", "aws_ecs_capacity_provider", "ec2_spot")
    assert block(block(provider, "auto_scaling_group_provider"), "managed_scaling")["status"] == "ENABLED"


def test_deployments_roll_back_and_apply_waits_for_steady_state():
    svc = resource("ecs-services", "aws_ecs_service")
    breaker = block(svc, "deployment_circuit_breaker")
    assert breaker["enable"] is True and breaker["rollback"] is True
    assert svc["wait_for_steady_state"] is True
    assert block(svc, "network_configuration")["assign_public_ip"] is False


def test_ecs_exec_is_enabled_encrypted_and_audited():
    svc = resource("ecs-services", "aws_ecs_service")
    assert svc["enable_execute_command"] == "${var.enable_execute_command}"
    assert module("ecs-services")["variable"]["enable_execute_command"]["default"] is True
    config = block(block(resource("ecs-cluster", "aws_ecs_cluster"), "configuration"), "execute_command_configuration")
    assert config["logging"] == "OVERRIDE"
    assert config["kms_key_id"] == "${aws_kms_key.this.arn}"
    log = block(config, "log_configuration")
    assert log["cloud_watch_encryption_enabled"] is True
    assert log["cloud_watch_log_group_name"] == "${aws_cloudwatch_log_group.exec_audit.name}"
    unscoped = json.dumps(module("ecs-services")["data"]["aws_iam_policy_document"]["unscoped"])
    for action in ["CreateControlChannel", "CreateDataChannel", "OpenControlChannel", "OpenDataChannel"]:
        assert f"ssmmessages:{action}" in unscoped
    task = json.dumps(module("ecs-services")["data"]["aws_iam_policy_document"]["task"])
    assert "ExecAuditLog" in task and "${var.exec_audit_log_group_arn}:*" in task
    # The SSM agent needs writable state and log paths on a read-only root filesystem.
    paths = module("ecs-services")["locals"]["writable_paths"]
    # paths inside the container image, not on this machine
    assert set(paths.values()) == {"/tmp", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}  # not-local-path


def test_scheduled_scaling_raises_the_floor_before_a_sale():
    action = resource("ecs-services", "aws_appautoscaling_scheduled_action", "sale")
    assert action["for_each"] == "${local.sale_actions}"
    assert action["schedule"].startswith("at(${formatdate(")
    locals_ = module("ecs-services")["locals"]
    assert 'timeadd(var.sale.starts_at, "-${var.sale.warmup_minutes}m")' in locals_["sale_start"]
    assert module("ecs-services")["variable"]["sale"]["default"]["starts_at"] is None
    for e in ENV_NAMES:
        sale = env(e)["module"]["securecart"]["sale"]
        assert sale["starts_at"] == "${var.sale_starts_at}"
        assert sale["min_tasks"]["web"] >= 2


FARGATE = {256: [512, 1024, 2048]} | {
    cpu: list(range(low, high + 1, 1024))
    for cpu, (low, high) in {512: (1024, 4096), 1024: (2048, 8192), 2048: (4096, 16384), 4096: (8192, 30720)}.items()
}


@pytest.mark.parametrize("name", ENV_NAMES)
def test_env_sizes_are_valid_fargate_pairs(name):
    call = env(name)["module"]["securecart"]
    for service in ["web", "worker", "notifications"]:
        size = call[service]
        assert size["memory"] in FARGATE[size["cpu"]], f"{name}.{service}: {size}"
        assert size["min"] >= 1, f"{name}.{service}: at least one task"
        assert size["max"] >= size["min"], f"{name}.{service}: {size}"
    validation = module("ecs-services")["variable"]["web"]["validation"][0]["condition"]
    assert "var.web.cpu == 256 && contains([512, 1024, 2048], var.web.memory)" in validation


def test_production_is_bigger_than_staging():
    prod = env("production")["module"]["securecart"]
    staging = env("staging")["module"]["securecart"]
    assert prod["database"]["replica_count"] > staging["database"]["replica_count"] >= 1
    assert prod["web"]["min"] > staging["web"]["min"]
    assert staging["network"]["single_nat_gateway"] is True
    assert prod["network"]["single_nat_gateway"] is False


# --- ALB and origin protection ------------------------------------------------------------


def test_only_one_prefix_list_rule_on_443_and_no_port_80():
    rules = module("alb")["resource"]["aws_vpc_security_group_ingress_rule"]
    prefix_rules = [r for r in rules.values() if "prefix_list_id" in r]
    assert len(prefix_rules) == 1, "the CloudFront prefix list weighs 55 of 60 rules"
    assert prefix_rules[0]["from_port"] == prefix_rules[0]["to_port"] == 443
    listeners = module("alb")["resource"]["aws_lb_listener"]
    assert set(listeners) == {"https"}
    assert all(r.get("from_port") != 80 for r in rules.values())


def test_alb_forwards_only_requests_with_the_origin_verify_header():
    https = resource("alb", "aws_lb_listener", "https")
    default = block(https, "default_action")
    assert default["type"] == "fixed-response"
    assert block(default, "fixed_response")["status_code"] == "403"
    rule = resource("alb", "aws_lb_listener_rule", "from_cloudfront")
    assert block(rule, "action")["type"] == "forward"
    header = block(block(rule, "condition"), "http_header")
    assert header["http_header_name"] == "${local.origin_verify_header}"
    assert "random_password.origin_verify[s].result" in header["values"]
    origin = block(resource("edge", "aws_cloudfront_distribution", "site"), "origin")
    custom = block(origin, "custom_header")
    assert custom == {"name": "${var.origin_verify_header}", "value": "${var.origin_verify_value}"}
    assert module("edge")["variable"]["origin_verify_value"]["sensitive"] is True
    edge_call = module("securecart")["module"]["edge"]
    assert edge_call["origin_verify_value"] == "${module.alb.origin_verify_value}"
    secret = resource("alb", "aws_secretsmanager_secret", "origin_verify")
    assert secret["kms_key_id"] == "${var.kms_key_arn}"
    assert block(resource("alb", "aws_lb_target_group", "web"), "health_check")["path"] == "/readyz"


# --- IAM -----------------------------------------------------------------------------------


def statements(kind_filter: str | None = None) -> dict[str, dict]:
    doc = module("ecs-services")["data"]["aws_iam_policy_document"]["task"]
    return {d["statement"]["content"][0]["sid"]: d["statement"] for d in doc["dynamic"]}


def test_ops_role_allows_exactly_the_calls_of_doctor_and_redrive():
    s = statements()

    def ops_only(sid: str) -> dict:
        assert s[sid]["for_each"] == '${each.value.kind == "ops" ? [1] : []}', sid
        return s[sid]["content"][0]

    assert ops_only("DoctorQueues")["actions"] == ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
    assert ops_only("DoctorQueues")["resources"] == "${concat(local.all_queue_arns, local.all_dlq_arns)}"
    assert ops_only("DoctorTopic")["actions"] == ["sns:GetTopicAttributes"]
    assert ops_only("DoctorEventBus")["actions"] == ["events:DescribeEventBus"]
    assert ops_only("RedriveReadDeadLetters")["actions"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
    assert ops_only("RedriveReadDeadLetters")["resources"] == "${local.all_dlq_arns}"
    assert ops_only("RedriveSendToSource")["actions"] == ["sqs:SendMessage"]
    assert ops_only("ReadStaffUserSecret")["actions"] == ["secretsmanager:GetSecretValue"]
    assert '"ops"' in s["ListMedia"]["for_each"]  # doctor's HeadBucket
    # The commands call exactly these APIs (read from the source).
    # doctor's own rows, and the rows notifications registers for it (topic, bus, queues)
    doctor = "".join(
        (ROOT / path).read_text()
        for path in ("securecart/management/commands/doctor.py", "notifications/health.py")
    )
    for call in ["get_queue_url", "get_queue_attributes", "get_topic_attributes", "describe_event_bus", "head_bucket"]:
        assert call in doctor


def test_task_roles_are_least_privilege_per_service():
    s = statements()
    assert s["ConsumeOwnChannelQueue"]["content"][0]["resources"] == "${[for q in each.value.queues : var.queue_arns[q]]}"
    assert s["EnqueueCeleryTasks"]["content"][0]["resources"] == "${local.celery_queue_arns}"
    assert s["PublishOrderEvents"]["content"][0]["resources"] == ["${var.order_events_topic_arn}"]
    for name, body in module("ecs-services")["data"]["aws_iam_policy_document"].items():
        text = json.dumps(body)
        for wildcard in ['"sqs:*"', '"s3:*"', '"sns:*"', '"*:*"', "sqs:CreateQueue", "sqs:ListQueues"]:
            assert wildcard not in text, f"policy {name} grants {wildcard}"
    # Every role that sends to or reads the encrypted queues gets the key (beat too).
    doc = module("ecs-services")["data"]["aws_iam_policy_document"]["task"]
    static = {st["sid"]: st for st in doc["statement"]}
    assert static["MessagingKey"]["resources"] == ["${var.messaging_kms_key_arn}"]

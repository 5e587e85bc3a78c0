"""Structural tests of infra/terraform, parsed with python-hcl2 (no terraform binary).

This file: layout and conventions, network, data, messaging (one source of truth:
securecart/messaging.json) and the state backend. ECS/ALB/IAM are in
test_terraform_services.py, alarms and the edge in test_terraform_observability.py.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import (  # noqa: E402
    ALL_TF_FILES,
    ENV_NAMES,
    ENVS,
    MESSAGING,
    MODULE_NAMES,
    MODULES,
    ROOT,
    TF,
    all_resources,
    block,
    directory,
    env,
    load,
    module,
    render,
    resource,
    string_values,
    tf_dirs,
)

# --- layout and conventions ------------------------------------------------------------


def test_every_module_has_the_standard_files_and_a_readme():
    for m in MODULE_NAMES:
        for f in ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]:
            assert (MODULES / m / f).is_file(), f"modules/{m}/{f} missing"
    assert not (MODULES / "compute").exists(), "the compute catch-all is split up"
    readme = (TF / "README.md").read_text()
    assert "docs/deploy.md" in readme


@pytest.mark.parametrize("path", ALL_TF_FILES, ids=lambda p: str(p.relative_to(TF)))
def test_every_tf_file_parses(path):
    assert load(path), f"{path} parsed to nothing"


def test_every_variable_has_a_type_a_description_and_a_validation():
    checked = 0
    for d in tf_dirs():
        for name, var in directory(d)["variable"].items():
            where = f"{d.relative_to(TF)}: variable {name}"
            assert var.get("type"), f"{where} has no type"
            assert var.get("description"), f"{where} has no description"
            assert var.get("validation"), f"{where} has no validation"
            checked += 1
    assert checked > 150


def test_every_output_has_a_description_and_module_outputs_of_resources_use_try():
    for m in MODULE_NAMES:
        for name, out in module(m)["output"].items():
            assert out.get("description"), f"{m}: output {name} has no description"
            value = str(out["value"])
            if re.search(r"\baws_\w+\.", value):
                assert "try(" in value, f"{m}: output {name} reads a resource without try()"


def test_providers_are_pinned_with_an_upper_bound_and_terraform_allows_kms_aliases():
    for d in tf_dirs():
        t = directory(d)["terraform"][0]
        # 1.6.0 rejected KMS aliases in the S3 backend; fixed in 1.6.1.
        assert t["required_version"] == ">= 1.6.1", d
        providers = t["required_providers"][0]
        assert "aws" in providers
        for name, spec in providers.items():
            version = spec["version"]
            assert "<" in version or "~>" in version, f"{d}: {name} {version} unbounded"


def test_env_roots_are_sizes_only_and_call_the_composition_module():
    for e in ENV_NAMES:
        root = env(e)
        assert set(root["module"]) == {"securecart"}, e
        call = root["module"]["securecart"]
        assert call["source"] == "../../modules/securecart"
        assert call["environment"] == e
        assert not root["resource"], f"{e}: resources belong in modules"
        assert len((ENVS / e / "main.tf").read_text().splitlines()) < 80
    # The two roots differ in their values, not in their wiring.
    assert set(env("staging")["module"]["securecart"]) <= set(
        env("production")["module"]["securecart"]
    )


def test_one_hardened_bucket_module_is_used_for_every_bucket():
    buckets = [(d, n) for d, rtype, n, _ in all_resources() if rtype == "aws_s3_bucket"]
    assert buckets == [(MODULES / "s3-bucket", "this")]
    callers = {
        (d.name, name)
        for d in tf_dirs()
        for name, call in directory(d)["module"].items()
        if call["source"].endswith("s3-bucket")
    }
    assert callers == {
        ("edge", "media"),
        ("observability", "logs"),
        ("bootstrap", "state"),
        ("bootstrap", "access_logs"),
    }
    pab = resource("s3-bucket", "aws_s3_bucket_public_access_block")
    for flag in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]:
        assert pab[flag] is True, flag
    assert block(resource("s3-bucket", "aws_s3_bucket_versioning"), "versioning_configuration")["status"] == "Enabled"
    policy = module("s3-bucket")["data"]["aws_iam_policy_document"]["this"]
    assert policy["statement"][0]["condition"][0]["variable"] == "aws:SecureTransport"
    assert policy["source_policy_documents"] == "${var.policy_documents}"
    sse = block(resource("s3-bucket", "aws_s3_bucket_server_side_encryption_configuration"), "rule")
    assert "aws:kms" in block(sse, "apply_server_side_encryption_by_default")["sse_algorithm"]
    assert "aws_s3_bucket_acl" not in module("s3-bucket")["resource"]
    # The log target is an object, so `count` is known at plan time even when the
    # bucket name comes from another module (a null check on a name is not).
    logging = resource("s3-bucket", "aws_s3_bucket_logging")
    assert logging["count"] == "${var.access_logs == null ? 0 : 1}"


def test_gitignore_keeps_state_plugins_and_variables_out_but_not_the_lock_file():
    lines = (ROOT / ".gitignore").read_text().splitlines()
    for pattern in ["*.tfstate", "*.tfstate.*", ".terraform/", "*.tfvars", "backend.hcl"]:
        assert pattern in lines, pattern
    assert not any("lock.hcl" in line for line in lines if not line.startswith("#"))
    for e in ENV_NAMES:
        assert (ENVS / e / "terraform.tfvars.example").is_file()


# --- network ---------------------------------------------------------------------------


def test_network_spans_two_azs_with_one_subnet_per_az_and_tier():
    net = module("network")
    assert "length(var.azs) >= 2" in str(net["variable"]["azs"]["validation"])
    for tier in ["public_subnets", "private_subnets", "database_subnets"]:
        assert f"length(var.{tier}) == length(var.azs)" in str(net["variable"][tier]["validation"])
    subnets = net["resource"]["aws_subnet"]
    assert set(subnets) == {"public", "private", "database"}
    assert subnets["public"]["map_public_ip_on_launch"] is False
    routes = net["resource"]["aws_route"]
    assert {r["route_table_id"] for r in routes.values()} == {
        "${aws_route_table.public.id}",
        "${aws_route_table.private[count.index].id}",
    }


def test_aws_api_traffic_uses_vpc_endpoints_not_the_nat():
    endpoints = module("network")["variable"]["interface_endpoints"]["default"]
    for service in ["sqs", "sns", "events", "kms", "sts", "xray", "secretsmanager",
                    "ecr.api", "ecr.dkr", "logs", "ssmmessages"]:
        assert service in endpoints, service
    assert resource("network", "aws_vpc_endpoint", "s3")["vpc_endpoint_type"] == "Gateway"
    assert resource("network", "aws_flow_log")["traffic_type"] == "ALL"


# --- data ------------------------------------------------------------------------------


def test_rds_uses_a_major_engine_version_so_minor_upgrades_never_downgrade():
    data = module("data")
    version = data["variable"]["engine_version"]
    assert re.fullmatch(r"\d+", version["default"]), version["default"]
    assert "minor" in version["validation"][0]["error_message"]
    db = resource("data", "aws_db_instance")
    assert db["engine_version"] == "${var.engine_version}"
    assert db["auto_minor_version_upgrade"] is True
    params = resource("data", "aws_db_parameter_group")
    assert params["family"] == "postgres${var.engine_version}"
    assert "var.parameter_group_family" not in data["variable"]


def test_rds_primary_is_multi_az_and_replicas_are_not_by_default():
    data = module("data")
    db = resource("data", "aws_db_instance")
    assert db["multi_az"] == "${var.multi_az}" and data["variable"]["multi_az"]["default"] is True
    replica = resource("data", "aws_db_instance", "replica")
    assert replica["multi_az"] == "${var.replica_multi_az}"
    assert data["variable"]["replica_multi_az"]["default"] is False
    assert module("securecart")["module"]["data"]["replica_multi_az"] is False
    assert db["storage_encrypted"] is True and db["publicly_accessible"] is False
    assert db["deletion_protection"] == "${var.deletion_protection}"
    assert data["variable"]["backup_retention_period"]["default"] >= 7
    assert replica["replicate_source_db"] == "${aws_db_instance.this.identifier}"


def test_redis_is_multi_az_with_failover_encryption_and_auth_token():
    redis = resource("data", "aws_elasticache_replication_group")
    assert redis["automatic_failover_enabled"] is True
    assert redis["multi_az_enabled"] is True
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["transit_encryption_enabled"] is True
    assert redis["auth_token"] == "${random_password.redis.result}"


def test_database_and_redis_urls_are_secrets_with_tls():
    locals_ = module("data")["locals"]
    assert locals_["database_url"].endswith("?sslmode=require")
    assert locals_["redis_url"].startswith("rediss://:")
    for key in ["database-url", "database-replica-urls", "redis-url"]:
        assert key in locals_["secrets"]


def test_every_data_store_is_encrypted():
    checked = 0
    for d, rtype, name, body in all_resources():
        where = f"{d.name}: {rtype}.{name}"
        if rtype == "aws_db_instance":
            assert body["storage_encrypted"] is True, where
        elif rtype in ("aws_sqs_queue", "aws_sns_topic"):
            assert "kms" in body["kms_master_key_id"], where
        elif rtype in ("aws_cloudwatch_log_group", "aws_secretsmanager_secret"):
            assert "kms" in body["kms_key_id"], where
        elif rtype == "aws_dynamodb_table":
            assert block(body, "server_side_encryption")["enabled"] is True, where
        else:
            continue
        checked += 1
    assert checked >= 15


# --- messaging: one source of truth ---------------------------------------------------


def test_the_composition_module_reads_names_from_messaging_json():
    locals_ = module("securecart")["locals"]
    match = re.fullmatch(r'\$\{jsondecode\(file\("\$\{path\.module\}/(.+)"\)\)\}', locals_["messaging"])
    assert match, locals_["messaging"]
    assert (MODULES / "securecart" / match.group(1)).resolve() == ROOT / "securecart" / "messaging.json"
    call = module("securecart")["module"]["messaging"]
    assert call["messaging"] == "${local.messaging}"
    assert call["queue_prefix"] == "${local.queue_prefix}"


def test_messaging_module_type_accepts_messaging_json():
    declared = module("messaging")["variable"]["messaging"]["type"]
    for key in MESSAGING:
        if key.startswith("_") or key == "default_queue_prefix":
            continue
        assert key in declared, f"messaging.json key {key} not declared"


def test_messaging_creates_a_queue_and_a_dlq_per_key_of_messaging_json():
    queue = resource("messaging", "aws_sqs_queue")
    dlq = resource("messaging", "aws_sqs_queue", "dlq")
    assert queue["for_each"] == dlq["for_each"] == "${local.queues}"
    assert "aws_sqs_queue.dlq[each.key].arn" in queue["redrive_policy"]
    prefix = "securecart-prod-"
    for key in set(MESSAGING["celery_queues"]) | set(MESSAGING["channel_queues"]):
        assert render(queue["name"], **{"var.queue_prefix": prefix, "each.key": key}) == f"{prefix}{key}"
        assert render(
            dlq["name"],
            **{"var.queue_prefix": prefix, "each.key": key, "local.m.dlq_suffix": MESSAGING["dlq_suffix"]},
        ) == f"{prefix}{key}{MESSAGING['dlq_suffix']}"


def test_every_sqs_queue_has_a_dead_letter_queue_or_is_one():
    def dead_letter_targets(d):
        """Queues of module `d` named as a redrive, DLQ or on-failure target there."""
        text = "\n".join(p.read_text() for p in d.glob("*.tf"))
        pattern = r"(?:deadLetterTargetArn|target_arn|arn|destination)\s*=\s*aws_sqs_queue\.(\w+)(?:\[each\.key\])?\.arn"
        return set(re.findall(pattern, text))

    for d, rtype, name, body in all_resources():
        if rtype == "aws_sqs_queue":
            assert "redrive_policy" in body or name in dead_letter_targets(d), (d.name, name)


def test_eventbridge_keeps_an_archive_and_a_target_dlq():
    archive = resource("messaging", "aws_cloudwatch_event_archive")
    assert archive["event_source_arn"] == "${aws_cloudwatch_event_bus.this.arn}"
    target = resource("messaging", "aws_cloudwatch_event_target", "analytics")
    assert block(target, "dead_letter_config")["arn"] == "${aws_sqs_queue.event_target_dlq.arn}"
    policy = module("messaging")["data"]["aws_iam_policy_document"]["event_target_dlq"]
    allow = policy["statement"][0]
    assert allow["principals"][0]["identifiers"] == ["events.amazonaws.com"]
    assert allow["condition"][0]["values"] == ["${aws_cloudwatch_event_rule.order_events.arn}"]
    key_policy = resource("messaging", "aws_kms_key")["policy"]
    assert "events.amazonaws.com" in key_policy
    dlqs = module("securecart")["module"]["observability"]["dlq_names"]
    assert "module.messaging.event_target_dlq_name" in dlqs


def test_order_events_fan_out_to_channel_queues_filtered_on_event_type():
    sub = resource("messaging", "aws_sns_topic_subscription", "channel")
    assert sub["for_each"] == "${local.m.channel_queues}"
    assert sub["raw_message_delivery"] is True
    assert sub["filter_policy"] == "${jsonencode({event_type = each.value.event_types})}"


def test_no_queue_topic_or_bus_name_is_typed_in_terraform():
    literals = (
        set(MESSAGING["celery_queues"])
        | set(MESSAGING["channel_queues"])
        | {MESSAGING["order_events_topic"], MESSAGING["event_bus"], MESSAGING["event_source"]}
        | {MESSAGING["order_tracking_table"]}
    )
    # AWS service names of VPC endpoints are not queue names ("events" is both).
    endpoints = set(module("network")["variable"]["interface_endpoints"]["default"])
    for path in ALL_TF_FILES:
        for value in string_values(load(path)):
            if value in endpoints and path.parent.name == "network":
                continue
            for literal in literals:
                assert value != literal, f"{path}: typed name {literal!r}"
                assert f'"{literal}"' not in value, f"{path}: typed name {literal!r} in {value}"


# --- state --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENV_NAMES)
def test_env_state_is_kms_encrypted_with_a_partial_backend(name):
    backend = env(name)["terraform"][0]["backend"][0]["s3"]
    assert backend["encrypt"] is True
    assert backend["kms_key_id"] == "alias/securecart-terraform-state"
    assert backend["key"] == f"securecart/{name}/terraform.tfstate"
    # Bucket, region and lock table come from backend.hcl (bootstrap output).
    for hard_coded in ["bucket", "region", "dynamodb_table"]:
        assert hard_coded not in backend, f"{name}: backend {hard_coded} is hard-coded"
    providers = env(name)["provider"]
    assert any(p.get("aws") == {} for p in providers), "region comes from AWS_REGION"


def test_bootstrap_takes_the_bucket_name_and_writes_the_backend_config():
    boot = directory(TF / "bootstrap")
    assert "default" not in boot["variable"]["state_bucket_name"], "bucket names are global"
    assert "region" not in boot["variable"]
    alias = boot["resource"]["aws_kms_alias"]["this"]
    assert alias["name"] == "alias/securecart-terraform-state"
    state = boot["module"]["state"]
    assert state["kms_key_arn"] == "${aws_kms_key.this.arn}"
    assert state["access_logs"] == {"bucket": "${module.access_logs.id}", "prefix": "state/"}
    config = boot["output"]["backend_config"]["value"]
    for key in ["bucket", "region", "dynamodb_table", "kms_key_id"]:
        assert key in config
    skips = (TF / "bootstrap" / "main.tf").read_text()
    assert "CloudTrail" not in skips

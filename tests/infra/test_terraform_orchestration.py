"""Step Functions fulfilment and the fraud Lambda: one ASL file, least privilege, packaging."""

from __future__ import annotations

import ast
import json
import re
import sys

import pytest

pytest.importorskip("hcl2")

from tests.infra.hcl import (  # noqa: E402
    MESSAGING,
    MODULES,
    ROOT,
    block,
    module,
    object_keys,
    resource,
)

ASL = ROOT / "orders" / "fulfilment" / "statemachine.asl.json"
MOD = "orchestration"


def statements(doc: dict) -> dict[str, dict]:
    found = {}
    for s in doc.get("statement", []):
        found[s.get("sid", "")] = s
    for s in doc.get("dynamic", []):
        content = block(s["statement"], "content")
        found[content["sid"]] = {**content, "for_each": s["statement"]["for_each"]}
    return found


def policy(name: str, mod: str = MOD) -> dict:
    return module(mod)["data"]["aws_iam_policy_document"][name]


# --- one state machine definition --------------------------------------------------


def test_the_state_machine_is_the_repository_asl_file_rendered_with_its_placeholders():
    machine = resource(MOD, "aws_sfn_state_machine", "fulfilment")
    match = re.fullmatch(
        r'\$\{templatefile\("\$\{local\.repo\}/(.+)", local\.definition_values\)\}',
        machine["definition"],
    )
    assert match, machine["definition"]
    repo = module(MOD)["locals"]["repo"]
    assert repo == "${path.module}/../../../.."
    assert (MODULES / MOD / "../../../.." / match.group(1)).resolve() == ASL

    values = module(MOD)["locals"]["definition_values"]
    placeholders = set(re.findall(r"\$\{(\w+)\}", ASL.read_text()))
    assert placeholders == set(values) == {
        "fulfilment_queue_url",
        "fraud_resource",
        "fraud_function_arn",
    }
    assert values["fulfilment_queue_url"] == "${var.steps_queue_url}"
    assert values["fraud_resource"] == "arn:${local.partition}:states:::lambda:invoke"
    assert "aws_lambda_function.fraud.arn" in values["fraud_function_arn"]

    # What Terraform renders is valid JSON with the queue in every worker step.
    rendered = ASL.read_text()
    for key, value in {
        "fulfilment_queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
        "fraud_resource": "arn:aws:states:::lambda:invoke",
        "fraud_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:f",
    }.items():
        rendered = rendered.replace("${" + key + "}", value)
    definition = json.loads(rendered)
    tasks = [s for s in definition["States"].values() if s["Type"] == "Task"]
    sqs_tasks = [t for t in tasks if t["Resource"].endswith("sqs:sendMessage.waitForTaskToken")]
    assert sqs_tasks
    for task in sqs_tasks:
        assert task["Parameters"]["QueueUrl"].startswith("https://sqs.")


def test_the_state_machine_logs_traces_and_encrypts_with_its_own_key():
    machine = resource(MOD, "aws_sfn_state_machine", "fulfilment")
    assert machine["count"] == "${local.state_machine ? 1 : 0}"
    assert module(MOD)["locals"]["state_machine"] == '${var.fulfilment_engine == "stepfunctions"}'
    logging = block(machine, "logging_configuration")
    assert logging["level"] == "ALL" and logging["include_execution_data"] is True
    assert logging["log_destination"] == "${aws_cloudwatch_log_group.state_machine[0].arn}:*"
    assert block(machine, "tracing_configuration")["enabled"] is True
    encryption = block(machine, "encryption_configuration")
    assert encryption["type"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert encryption["kms_key_id"] == "${aws_kms_key.this.arn}"
    for name in ("state_machine", "fraud"):
        group = resource(MOD, "aws_cloudwatch_log_group", name)
        assert group["kms_key_id"] == "${aws_kms_key.this.arn}"
        assert group["retention_in_days"] == "${var.log_retention_in_days}"
    assert resource(MOD, "aws_kms_key")["enable_key_rotation"] is True


def test_the_state_machine_role_may_send_to_the_steps_queue_and_invoke_the_fraud_function_only():
    assume = statements(policy("states_assume"))[""]
    assert assume["principals"][0]["identifiers"] == ["states.amazonaws.com"]
    assert {c["variable"] for c in assume["condition"]} == {"aws:SourceAccount", "aws:SourceArn"}

    scoped = statements(policy("state_machine"))
    assert set(scoped) == {"SendStepsToTheWorkers", "StepsQueueKey", "InvokeFraudScorer", "StateMachineKey"}
    assert scoped["SendStepsToTheWorkers"]["actions"] == ["sqs:SendMessage"]
    assert scoped["SendStepsToTheWorkers"]["resources"] == ["${var.steps_queue_arn}"]
    assert scoped["InvokeFraudScorer"]["actions"] == ["lambda:InvokeFunction"]
    assert scoped["InvokeFraudScorer"]["resources"] == [
        "${aws_lambda_function.fraud.arn}",
        "${aws_lambda_function.fraud.arn}:*",
    ]
    assert scoped["StateMachineKey"]["condition"][0]["variable"] == (
        "kms:EncryptionContext:aws:states:stateMachineArn"
    )
    for s in scoped.values():
        assert "*" not in s["resources"]

    # What exists only on "*": CloudWatch Logs delivery and X-Ray, nothing else.
    unscoped = policy("state_machine_unscoped")
    actions = statements(unscoped)["LogDelivery"]["actions"]
    assert all(a.startswith("logs:") for a in actions) and "logs:PutLogEvents" not in actions
    assert unscoped["source_policy_documents"] == ["${data.aws_iam_policy_document.traces.json}"]
    traces = statements(policy("traces"))["Traces"]["actions"]
    assert all(a.startswith("xray:") for a in traces)


# --- the fraud Lambda -----------------------------------------------------------------


def test_the_lambda_package_is_the_two_pure_modules():
    archive = module(MOD)["data"]["archive_file"]["fraud"]
    sources = {s["filename"]: s["content"] for s in archive["source"]}
    assert set(sources) == {"orders/__init__.py", "orders/fraud_rules.py", "orders/fraud_lambda.py"}
    for name in ("fraud_rules.py", "fraud_lambda.py"):
        assert sources[f"orders/{name}"] == "${file(\"${local.repo}/orders/" + name + "\")}"
        assert (ROOT / "orders" / name).is_file()
    # Only the standard library and each other: nothing else is in the zip.
    allowed = set(sys.stdlib_module_names) | {"__future__", "orders"}
    for name in ("fraud_rules.py", "fraud_lambda.py"):
        tree = ast.parse((ROOT / "orders" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}: relative import"
                roots = {(node.module or "").split(".")[0]}
                if node.module == "orders":
                    raise AssertionError(f"{name}: imports the orders package")
                if roots == {"orders"}:
                    assert node.module == "orders.fraud_rules", node.module
            else:
                continue
            assert roots <= allowed, f"{name} imports {roots - allowed}"


def test_the_lambda_runs_python_312_on_arm64_traced_with_a_ceiling_and_an_on_failure_destination():
    function = resource(MOD, "aws_lambda_function", "fraud")
    assert function["runtime"] == "python3.12"
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "orders.fraud_lambda.handler"
    assert "def handler(event" in (ROOT / "orders" / "fraud_lambda.py").read_text()
    assert block(function, "tracing_config")["mode"] == "Active"
    assert function["reserved_concurrent_executions"] == "${var.fraud_function.reserved_concurrency}"
    assert function["source_code_hash"] == "${data.archive_file.fraud.output_base64sha256}"
    assert block(function, "dead_letter_config")["target_arn"] == "${aws_sqs_queue.fraud_dlq.arn}"
    assert block(function, "logging_config")["log_group"] == "${aws_cloudwatch_log_group.fraud.name}"
    invoke = resource(MOD, "aws_lambda_function_event_invoke_config", "fraud")
    on_failure = block(block(invoke, "destination_config"), "on_failure")
    assert on_failure["destination"] == "${aws_sqs_queue.fraud_dlq.arn}"
    assert resource(MOD, "aws_sqs_queue", "fraud_dlq")["kms_master_key_id"] == "${aws_kms_key.this.arn}"
    assert module(MOD)["locals"]["function_log_group"] == "/aws/lambda/${local.function_name}"


def test_the_lambda_role_writes_its_logs_and_its_dlq_only():
    scoped = statements(policy("fraud"))
    assert scoped["OwnLogGroup"]["resources"] == ["${aws_cloudwatch_log_group.fraud.arn}:*"]
    assert scoped["OnFailureDestination"]["actions"] == ["sqs:SendMessage"]
    assert scoped["OnFailureDestination"]["resources"] == ["${aws_sqs_queue.fraud_dlq.arn}"]
    assert set(scoped) == {"OwnLogGroup", "OnFailureDestination", "DeadLetterKey"}


def test_alarms_watch_failed_and_timed_out_executions_and_lambda_errors_and_throttles():
    alarms = module(MOD)["locals"]["all_alarms"]
    watched = {a["metric"]: a["namespace"] for a in alarms.values()}
    assert watched == {
        "Errors": "AWS/Lambda",
        "Throttles": "AWS/Lambda",
        "ApproximateNumberOfMessagesVisible": "AWS/SQS",
        "ExecutionsFailed": "AWS/States",
        "ExecutionsTimedOut": "AWS/States",
    }
    for alarm in alarms.values():
        if alarm["namespace"] == "AWS/States":
            assert alarm["dimensions"] == "${local.machine_dims}"
    # The execution alarms exist only with the state machine.
    assert module(MOD)["locals"]["alarms"] == (
        '${{for k, a in local.all_alarms : k => a if local.state_machine || a.namespace != "AWS/States"}}'
    )
    alarm = resource(MOD, "aws_cloudwatch_metric_alarm")
    assert alarm["for_each"] == "${local.alarms}"
    assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]
    assert alarm["threshold"] == 0


# --- composition and ECS ----------------------------------------------------------------


def test_the_composition_creates_it_only_when_asked_and_wires_the_steps_queue_from_messaging_json():
    call = module("securecart")["module"]["orchestration"]
    assert call["count"] == (
        '${var.orchestration.fulfilment_engine == "stepfunctions" || '
        'var.orchestration.fraud_scorer == "lambda" ? 1 : 0}'
    )
    default = module("securecart")["variable"]["orchestration"]["default"]
    assert default["fulfilment_engine"] == "celery" and default["fraud_scorer"] == "inprocess"
    key = "local.messaging.fulfilment_steps_queue.name"
    assert call["steps_queue_arn"] == "${module.messaging.queue_arns[" + key + "]}"
    assert call["steps_queue_url"] == "${module.messaging.queue_urls[" + key + "]}"
    assert "fulfilment_steps_queue" in module("messaging")["variable"]["messaging"]["type"]
    assert "local.m.fulfilment_steps_queue.name" in module("messaging")["locals"]["queues"]
    assert MESSAGING["fulfilment_steps_queue"]["name"]
    services = module("securecart")["module"]["services"]["orchestration"]
    assert services["state_machine_arn"] == "${try(module.orchestration[0].state_machine_arn, null)}"
    assert services["steps_queue"] == "${" + key + "}"


def test_step_functions_and_lambda_calls_stay_inside_the_vpc_when_used():
    endpoint = resource("network", "aws_vpc_endpoint", "interface")
    assert endpoint["for_each"] == (
        "${toset(concat(var.interface_endpoints, var.optional_interface_endpoints))}"
    )
    call = module("securecart")["module"]["network"]["optional_interface_endpoints"]
    assert 'var.orchestration.fulfilment_engine == "stepfunctions" ? ["states"] : []' in call
    assert 'var.orchestration.fraud_scorer == "lambda" ? ["lambda"] : []' in call


def test_the_task_environment_names_the_engine_the_state_machine_and_the_scorer():
    environment = object_keys(module("ecs-services")["locals"]["environment"])
    assert environment["FULFILMENT_ENGINE"] == "${var.orchestration.fulfilment_engine}"
    assert "var.orchestration.state_machine_arn" in environment["FULFILMENT_STATE_MACHINE_ARN"]
    assert environment["FULFILMENT_STEPS_QUEUE"] == "${var.orchestration.steps_queue}"
    assert environment["FRAUD_SCORER"] == "${var.orchestration.fraud_scorer}"
    assert "var.orchestration.fraud_function_name" in environment["FRAUD_FUNCTION_NAME"]


def test_task_roles_call_step_functions_on_that_state_machine_only():
    doc = statements(module("ecs-services")["data"]["aws_iam_policy_document"]["task"])
    machine = doc["FulfilmentStateMachine"]
    assert machine["resources"] == ["${var.orchestration.state_machine_arn}", "${local.execution_arns}"]
    assert machine["actions"] == "${local.states_actions[each.value.kind]}"
    locals_ = module("ecs-services")["locals"]
    assert locals_["execution_arns"] == (
        '${replace(coalesce(var.orchestration.state_machine_arn, "none"), ":stateMachine:", ":execution:")}:*'
    )
    assert locals_["task_token_actions"] == [
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
        "states:SendTaskHeartbeat",
    ]
    assert locals_["execution_actions"] == [
        "states:StartExecution",
        "states:DescribeExecution",
        "states:GetExecutionHistory",
    ]
    assert doc["StateMachineKey"]["resources"] == ["${var.orchestration.kms_key_arn}"]
    invoke = doc["InvokeFraudScorer"]
    assert invoke["resources"] == ["${var.orchestration.fraud_function_arn}"]
    assert 'var.orchestration.fraud_scorer == "lambda"' in invoke["for_each"]
    consume = doc["ConsumeFulfilmentSteps"]
    assert consume["for_each"] == '${each.value.kind == "steps" ? [1] : []}'


def test_with_step_functions_a_steps_consumer_service_runs_consume_fulfilment():
    steps = module("ecs-services")["locals"]["steps_services"]
    assert 'command = ["python", "manage.py", "consume_fulfilment"]' in steps
    assert 'kind = "steps"' in steps and 'capacity = "spot"' in steps
    assert "for q in (local.stepfunctions ? [var.orchestration.steps_queue] : [])" in steps
    services = module("ecs-services")["locals"]["services"]
    assert services.endswith("local.channel_services, local.steps_services)}")
    assert (ROOT / "orders").is_dir()

"""AWS Step Functions: the fulfilment state machine's definition and its API calls.

orders/fulfilment/statemachine.asl.json is the one definition: an Amazon States
Language template whose `${name}` placeholders Terraform fills with
templatefile() (infra/terraform) and `definition_render` fills here for the
app, the tests and moto. The placeholders are
- fulfilment_queue_url: the SQS queue the worker steps are sent to;
- fraud_resource: the fraud state's resource, `lambda:invoke` in AWS (the fraud
  Lambda scores) or the SQS worker path (the worker scores in process; the
  tests, since moto cannot run Lambda code without Docker);
- fraud_function_arn: the fraud Lambda (unused on the worker path).

An adapter only: it imports nothing of the store but settings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings

from securecart.aws import client
from securecart.registry import CheckResult

DEFINITION_PATH = Path(__file__).resolve().parent.parent / (
    "fulfilment/statemachine.asl.json"
)
PLACEHOLDERS = ("fulfilment_queue_url", "fraud_resource", "fraud_function_arn")
SQS_WORKER_RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
LAMBDA_RESOURCE = "arn:aws:states:::lambda:invoke"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
# Errors Step Functions answers for a token that no longer waits: the step was
# answered already (a redelivered message, a replayed token) or timed out.
TOKEN_GONE = {"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"}
EXECUTION_GONE = {"ExecutionDoesNotExist", "StateMachineDoesNotExist"}


class DefinitionError(ValueError):
    pass


def definition_render(
    *,
    fulfilment_queue_url: str,
    fraud_resource: str = SQS_WORKER_RESOURCE,
    fraud_function_arn: str = "",
) -> str:
    """The definition with its placeholders filled (as templatefile() does)."""
    values = {
        "fulfilment_queue_url": fulfilment_queue_url,
        "fraud_resource": fraud_resource,
        "fraud_function_arn": fraud_function_arn,
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise DefinitionError(f"unknown placeholder ${{{name}}} in the definition")
        # Every placeholder sits inside a JSON string: escape like JSON does.
        return json.dumps(values[name])[1:-1]

    rendered = _PLACEHOLDER.sub(fill, DEFINITION_PATH.read_text())
    json.loads(rendered)  # a broken template fails here, not in AWS
    return rendered


def state_machine_create(*, name: str, definition: str, role_arn: str) -> str:
    """Create (or find) a state machine by name; return its ARN (moto, bench)."""
    sfn = client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == name:
            sfn.update_state_machine(
                stateMachineArn=machine["stateMachineArn"], definition=definition
            )
            return str(machine["stateMachineArn"])
    created = sfn.create_state_machine(
        name=name, definition=definition, roleArn=role_arn, type="STANDARD"
    )
    return str(created["stateMachineArn"])


def execution_start(*, state_machine_arn: str, name: str, data: dict[str, Any]) -> str:
    """Start an execution (idempotent by name and input); return its ARN."""
    started = client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn, name=name, input=json.dumps(data)
    )
    return str(started["executionArn"])


def execution_describe(*, arn: str) -> dict[str, Any] | None:
    """The execution's status and its latest state; None when it is gone."""
    sfn = client("stepfunctions")
    try:
        described = sfn.describe_execution(executionArn=arn)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in EXECUTION_GONE:
            return None
        raise
    history = sfn.get_execution_history(
        executionArn=arn, reverseOrder=True, maxResults=20
    )
    # The latest state entered: the highest event id (whatever order the
    # events come in; moto ignores reverseOrder).
    entered = [
        (event["id"], event["stateEnteredEventDetails"]["name"])
        for event in history.get("events", [])
        if event.get("stateEnteredEventDetails")
    ]
    state = max(entered)[1] if entered else ""
    return {"status": described["status"], "state": state}


def task_answer(
    *,
    token: str,
    output: dict[str, Any] | None = None,
    error: str = "",
    cause: str = "",
) -> bool:
    """SendTaskSuccess (output) or SendTaskFailure (error); False: token gone."""
    sfn = client("stepfunctions")
    try:
        if output is not None:
            sfn.send_task_success(taskToken=token, output=json.dumps(output))
        else:
            sfn.send_task_failure(taskToken=token, error=error, cause=cause[:32768])
    except ClientError as exc:
        if exc.response["Error"]["Code"] in TOKEN_GONE:
            return False
        raise
    return True


def task_heartbeat(*, token: str) -> bool:
    """SendTaskHeartbeat; False when the token no longer waits."""
    try:
        client("stepfunctions").send_task_heartbeat(taskToken=token)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in TOKEN_GONE:
            return False
        raise
    return True


def console_url(arn: str) -> str:
    """The execution's page in the AWS console."""
    region = arn.split(":")[3] if arn.count(":") >= 3 else settings.AWS_REGION
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{arn}"
    )


def steps_queues() -> list[str]:
    """The fulfilment-steps queue (key without prefix) when this engine runs."""
    if settings.FULFILMENT_ENGINE != "stepfunctions":
        return []
    return [settings.FULFILMENT_STEPS_QUEUE]


def state_machine_check() -> CheckResult:
    arn = settings.FULFILMENT_STATE_MACHINE_ARN
    machine = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    return CheckResult(machine.get("status", "ACTIVE") == "ACTIVE", arn)


def state_machine_skip_reason() -> str:
    if settings.FULFILMENT_ENGINE != "stepfunctions":
        return "FULFILMENT_ENGINE is celery"
    return (
        ""
        if settings.FULFILMENT_STATE_MACHINE_ARN
        else "FULFILMENT_STATE_MACHINE_ARN not set"
    )

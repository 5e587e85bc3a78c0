"""Create the Step Functions fulfilment workflow on moto (or a bare account).

The fulfilment-steps queue (with its DLQ) and the state machine rendered from
orders/fulfilment/statemachine.asl.json. In AWS, Terraform owns both (same
definition file). Prints the state machine ARN: set FULFILMENT_STATE_MACHINE_ARN
to it. The fraud state takes the worker path unless --fraud-function-arn names
a Lambda (moto cannot run Lambda code without Docker).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.integrations.stepfunctions import (
    LAMBDA_RESOURCE,
    SQS_WORKER_RESOURCE,
    definition_render,
    state_machine_create,
)
from orders.management.commands.ensure_queues import (
    DLQ_RETENTION_SECONDS,
    queue_ensure,
)
from orders.management.fulfilment_consumer import steps_queue_name
from securecart.aws import client

# Above the 120 s heartbeat limit of a step; the worker stretches it while a
# step runs, so a message is redelivered only when its worker died.
STEPS_VISIBILITY_SECONDS = 120
# moto accepts any role; in AWS Terraform creates the least-privilege one.
MOTO_ROLE_ARN = "arn:aws:iam::123456789012:role/securecart-fulfilment"


def moto_executions(endpoint: str, on: bool = True) -> None:
    """Make moto server run executions for real (POST /moto-api/config).

    Off (its default), moto only records StartExecution; on, it runs the states
    and its SQS tasks (`sqs:sendMessage.waitForTaskToken`) call the moto server
    at MOTO_PORT, which must be its own port.
    """
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"not a moto server URL: {endpoint!r}")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        f"{endpoint}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": on}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def workflow_ensure(
    *, visibility_timeout: int | None = None, fraud_function_arn: str = ""
) -> tuple[str, str]:
    """Ensure the steps queue and the state machine; return (queue url, ARN)."""
    name = steps_queue_name()
    dlq_url, _ = queue_ensure(
        name=f"{name}{settings.MESSAGING['dlq_suffix']}",
        attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
    )
    dlq_arn = client("sqs").get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    redrive = {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": str(settings.MESSAGING["max_receive_count"]),
    }
    queue_url, _ = queue_ensure(
        name=name,
        attributes={
            "VisibilityTimeout": str(
                visibility_timeout
                or settings.MESSAGING.get("fulfilment_steps_queue", {}).get(
                    "visibility_timeout", STEPS_VISIBILITY_SECONDS
                )
            ),
            "RedrivePolicy": json.dumps(redrive),
        },
    )
    definition = definition_render(
        fulfilment_queue_url=queue_url,
        fraud_resource=LAMBDA_RESOURCE if fraud_function_arn else SQS_WORKER_RESOURCE,
        fraud_function_arn=fraud_function_arn,
    )
    arn = state_machine_create(
        name=f"{settings.SQS_QUEUE_PREFIX}fulfilment",
        definition=definition,
        role_arn=MOTO_ROLE_ARN,
    )
    return queue_url, arn


class Command(BaseCommand):
    help = (
        "Create the fulfilment-steps SQS queue and the Step Functions state machine "
        "(moto, first installs); prints the state machine ARN."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--visibility-timeout", type=int, default=None)
        parser.add_argument("--fraud-function-arn", default="")
        parser.add_argument(
            "--moto-execute",
            action="store_true",
            help="turn on moto's real executions (AWS_ENDPOINT_URL is moto)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["moto_execute"]:
            if not settings.AWS_ENDPOINT_URL:
                raise CommandError("--moto-execute needs AWS_ENDPOINT_URL (moto)")
            moto_executions(settings.AWS_ENDPOINT_URL)
        try:
            queue_url, arn = workflow_ensure(
                visibility_timeout=options["visibility_timeout"],
                fraud_function_arn=options["fraud_function_arn"],
            )
        except ClientError as exc:
            raise CommandError(f"AWS refused: {exc}") from exc
        self.stdout.write(f"queue {queue_url}")
        self.stdout.write(arn)

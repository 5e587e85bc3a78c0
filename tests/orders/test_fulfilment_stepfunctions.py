"""Fulfilment on Step Functions (FULFILMENT_ENGINE=stepfunctions), for real on moto.

moto server runs the executions (its config `stepfunctions.execute_state_machine`,
set through POST /moto-api/config), including `sqs:sendMessage.waitForTaskToken`:
each Task state sends its step to the fulfilment-steps queue and waits for the
token. A real `manage.py consume_fulfilment` process runs the steps. The state
machine is the one definition of orders/fulfilment/statemachine.asl.json with
the fraud state's resource rendered as the worker path (moto cannot run the
fraud Lambda's code without Docker).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from orders.integrations.stepfunctions import (
    LAMBDA_RESOURCE,
    SQS_WORKER_RESOURCE,
    definition_render,
    execution_describe,
)
from orders.management.commands.ensure_fulfilment_workflow import (
    moto_executions,
    workflow_ensure,
)
from orders.models import Order, OrderEvent, Payment
from orders.services import order_release
from securecart.aws import client
from tests.notifications.helpers import ConsumerProcess, process_env
from tests.orders.test_tasks_fulfilment import (
    captures,
    event_types,
    place_order,
    statuses,
    variant_of,
)
from tests.services import AWS_TEST_ENV, wait_until

S = Order.Status
# The steps queue's visibility timeout in these tests: how long a message taken
# by a killed worker stays hidden before SQS hands it to the next one.
VISIBILITY_TIMEOUT = 8


@pytest.fixture
def sfn(aws, settings, monkeypatch):
    """The fulfilment-steps queue and the state machine on a moto that executes."""
    moto_executions(aws.endpoint)
    # moto's executions call SQS on the server's own port (MOTO_PORT).
    monkeypatch.setenv("MOTO_PORT", str(urlsplit(aws.endpoint).port))
    settings.SQS_QUEUE_PREFIX = f"f{uuid.uuid4().hex[:6]}-"
    queue_url, arn = workflow_ensure(visibility_timeout=VISIBILITY_TIMEOUT)
    settings.FULFILMENT_ENGINE = "stepfunctions"
    settings.FULFILMENT_STATE_MACHINE_ARN = arn
    yield type("Sfn", (), {"arn": arn, "queue_url": queue_url, "aws": aws})
    moto_executions(aws.endpoint, on=False)


@pytest.fixture
def step_worker(sfn, settings, tmp_path: Path, transactional_db):
    """Start real `manage.py consume_fulfilment` processes (stopped afterwards)."""
    workers: list[ConsumerProcess] = []

    def start(**extra: str) -> ConsumerProcess:
        env = process_env(
            {**os.environ, **AWS_TEST_ENV},
            AWS_ENDPOINT_URL=sfn.aws.endpoint,
            SQS_QUEUE_PREFIX=settings.SQS_QUEUE_PREFIX,
            FULFILMENT_ENGINE="stepfunctions",
            FULFILMENT_STATE_MACHINE_ARN=sfn.arn,
            FULFILMENT_HEARTBEAT_SECONDS="2",
            **extra,
        )
        worker = ConsumerProcess(
            channel="fulfilment",
            env=env,
            log_path=tmp_path / f"steps-{len(workers)}.log",
            command=["consume_fulfilment"],
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def order_status(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def execution_of(order: Order) -> dict:
    order.refresh_from_db()
    assert order.fulfilment_execution_arn
    return execution_describe(arn=order.fulfilment_execution_arn) or {}


def execution_ended(order: Order) -> str:
    status = execution_of(order).get("status", "")
    return "" if status == "RUNNING" else status


def bookings(*workers: ConsumerProcess) -> list[dict]:
    """The built-in warehouse's booking log lines of the worker processes."""
    lines = [
        json.loads(line)
        for worker in workers
        for line in worker.log().splitlines()
        if line.startswith("{")
    ]
    return [
        line for line in lines if line.get("message") == "built-in warehouse booking"
    ]


def sent_messages(order: Order) -> list[str]:
    """The step messages the order's execution sent (from its history)."""
    history = client("stepfunctions").get_execution_history(
        executionArn=order.fulfilment_execution_arn, maxResults=1000
    )["events"]
    bodies = []
    for event in history:
        details = event.get("taskScheduledEventDetails")
        if details and details["resourceType"] == "sqs":
            body = json.loads(details["parameters"])["MessageBody"]
            bodies.append(body if isinstance(body, str) else json.dumps(body))
    return bodies


def failed_execution() -> str:
    """The ARN of an execution that failed (of a one-state machine that fails).

    (moto's StopExecution does not end an execution waiting for a task token.)
    """
    sfn = client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"fails-{uuid.uuid4().hex[:6]}",
        definition=json.dumps(
            {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "X"}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/test",
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    wait_until(
        lambda: sfn.describe_execution(executionArn=arn)["status"] == "FAILED",
        10,
        message="the execution to fail",
    )
    return arn


# --- the one definition ----------------------------------------------------------------
def test_the_definition_renders_for_the_worker_and_for_the_lambda():
    worker = json.loads(definition_render(fulfilment_queue_url="https://q/1"))
    lam = json.loads(
        definition_render(
            fulfilment_queue_url="https://q/1",
            fraud_resource=LAMBDA_RESOURCE,
            fraud_function_arn="arn:aws:lambda:eu-west-1:1:function:fraud",
        )
    )
    states = worker["States"]
    assert states["FraudScorer"]["Result"] == {"resource": SQS_WORKER_RESOURCE}
    assert lam["States"]["FraudScorer"]["Result"] == {"resource": LAMBDA_RESOURCE}
    fraud = lam["States"]["FraudScoreLambda"]
    assert fraud["Resource"] == LAMBDA_RESOURCE
    assert fraud["Parameters"]["FunctionName"] == (
        "arn:aws:lambda:eu-west-1:1:function:fraud"
    )
    # the route takes the Lambda in any partition, the worker path otherwise
    from fnmatch import fnmatchcase

    pattern = states["FraudRoute"]["Choices"][0]["StringMatches"]
    assert fnmatchcase(LAMBDA_RESOURCE, pattern)
    assert fnmatchcase("arn:aws-cn:states:::lambda:invoke", pattern)
    assert not fnmatchcase(SQS_WORKER_RESOURCE, pattern)
    # each worker step waits for its token on the queue, retries transient errors
    # with backoff (2, 4, 8 s like the Celery tasks) and is caught into compensation
    for name in ("FraudCheck", "PaymentCapture", "ShipmentRequest", "Ship"):
        state = states[name]
        assert state["Resource"] == SQS_WORKER_RESOURCE
        assert state["Parameters"]["QueueUrl"] == "https://q/1"
        body = state["Parameters"]["MessageBody"]
        assert body["task_token.$"] == "$$.Task.Token"
        retry = state["Retry"][0]
        assert "Step.Transient" in retry["ErrorEquals"]
        assert (
            retry["IntervalSeconds"],
            retry["BackoffRate"],
            retry["MaxAttempts"],
        ) == (
            2,
            2.0,
            3,
        )
        failed = states[state["Catch"][0]["Next"]]
        assert failed["Next"] == "Compensate"
    assert "${" not in json.dumps(worker)


# --- real executions on moto, a real worker process ---------------------------------------
@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
def test_placed_order_is_shipped_by_the_state_machine(step_worker, admin_client):
    worker = step_worker()
    order = place_order()
    wait_until(lambda: order_status(order) == S.SHIPPED, 60, message="order shipped")
    wait_until(lambda: execution_ended(order), 30, message="execution to end")
    assert execution_of(order)["status"] == "SUCCEEDED"
    assert statuses(order) == [("placed", "processing"), ("processing", "shipped")]
    assert event_types(order) == [
        "order.placed",
        "order.processing",
        "payment.captured",
        "order.shipped",
    ]
    assert captures(order) == 1
    assert len(bookings(worker)) == 1
    assert (variant_of(order).stock_on_hand, variant_of(order).stock_reserved) == (8, 0)
    # the admin order page shows the engine, the state and the console link
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert 'Step Functions: SUCCEEDED at state "Shipped"' in page
    assert (
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1"
        f"#/v2/executions/details/{order.fulfilment_execution_arn}"
    ) in page


@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
def test_fraud_hold_waits_for_staff_and_release_resumes_at_capture(
    step_worker, admin_user
):
    step_worker()
    order = place_order(token="tok_riskLevelHighest")
    wait_until(lambda: order_status(order) == S.ON_HOLD, 60, message="order held")
    wait_until(lambda: execution_ended(order), 30, message="execution to end")
    held = execution_of(order)
    assert held["status"] == "SUCCEEDED" and held["state"] == "HeldForStaff"
    first_arn = order.fulfilment_execution_arn
    assert captures(order) == 0
    # when: staff release it (a new execution, from the step it stopped at)
    order_release(order=Order.objects.get(pk=order.pk), actor=admin_user)
    wait_until(lambda: order_status(order) == S.SHIPPED, 60, message="order shipped")
    order.refresh_from_db()
    assert order.fulfilment_execution_arn != first_arn
    assert "-payment-capture-" in order.fulfilment_execution_arn
    assert statuses(order) == [
        ("placed", "on_hold"),
        ("on_hold", "processing"),
        ("processing", "shipped"),
    ]
    assert captures(order) == 1


@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
def test_a_step_that_always_fails_is_compensated_once(step_worker):
    step_worker()
    # given: a card whose capture always times out (a transient gateway error)
    order = place_order(token="tok_capture_fails", quantity=3, stock=10)
    # then: after the state machine's retries the order is cancelled, stock and
    # money given back
    wait_until(
        lambda: Payment.objects.get(order=order).status == Payment.Status.VOIDED,
        90,
        message="the authorisation to be voided",
    )
    wait_until(lambda: execution_ended(order), 30, message="execution to end")
    assert execution_of(order)["status"] == "FAILED"
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert captures(order, succeeded=False) == 4  # the first try and 3 retries
    assert captures(order) == 0
    assert (variant_of(order).stock_on_hand, variant_of(order).stock_reserved) == (
        10,
        0,
    )
    assert event_types(order).count("order.cancelled") == 1
    assert statuses(order) == [("placed", "processing"), ("processing", "cancelled")]
    assert (
        "payment_capture failed"
        in OrderEvent.objects.get(order=order, to_status="cancelled").message
    )


@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.slow
def test_worker_killed_mid_step_ships_exactly_once(step_worker):
    # given: a warehouse that books at once but answers after two minutes
    first = step_worker(WAREHOUSE_TEST_DELAY_SECONDS="120")
    order = place_order(quantity=2, stock=10)
    wait_until(lambda: bookings(first), 60, message="the worker inside the warehouse")
    # when: kill -9 while the step runs (its token unanswered, message not deleted)
    first.kill()
    order.refresh_from_db()
    assert order.status == S.PROCESSING and order.tracking_number == ""
    second = step_worker()
    # then: SQS hands the message to the next worker, which answers the same token
    wait_until(lambda: order_status(order) == S.SHIPPED, 90, message="order shipped")
    wait_until(lambda: execution_ended(order), 30, message="execution to end")
    assert execution_of(order)["status"] == "SUCCEEDED"
    order.refresh_from_db()
    assert [b["tracking_number"] for b in bookings(first, second)] == [
        order.tracking_number,
        order.tracking_number,
    ]
    assert (
        OrderEvent.objects.filter(
            order=order, message__startswith="Shipment booked"
        ).count()
        == 1
    )
    assert captures(order) == 1
    assert statuses(order) == [("placed", "processing"), ("processing", "shipped")]
    assert event_types(order).count("order.shipped") == 1


@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
def test_a_duplicated_step_message_has_no_second_effect(step_worker, sfn):
    worker = step_worker()
    sqs = client("sqs")
    order = place_order()
    wait_until(lambda: order_status(order) == S.SHIPPED, 60, message="order shipped")
    wait_until(lambda: execution_ended(order), 30, message="execution to end")
    before = (
        statuses(order),
        event_types(order),
        captures(order),
        len(bookings(worker)),
        variant_of(order).stock_on_hand,
    )
    # when: every step's message arrives again, exactly as the execution sent it
    # (its task token already answered)
    bodies = sent_messages(order)
    assert [json.loads(body)["step"] for body in bodies] == [
        "fraud_check",
        "payment_capture",
        "shipment_request",
        "ship",
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=sfn.queue_url, MessageBody=body)
    wait_until(
        lambda: worker.log().count("no longer waits") >= 4,
        30,
        message="the worker to take the four duplicates",
    )
    # then
    after = (
        statuses(order),
        event_types(order),
        captures(order),
        len(bookings(worker)),
        variant_of(order).stock_on_hand,
    )
    assert after == before
    assert before[3] == 1


@pytest.mark.aws
@pytest.mark.postgres
@pytest.mark.worker
def test_reconcile_redrives_an_order_whose_execution_vanished_or_failed(
    step_worker, sfn
):
    from datetime import timedelta

    from django.utils import timezone

    from orders.services.fulfilment import orders_reconcile

    # given, stuck for two hours with no worker running: an order whose
    # execution failed, one whose execution ARN points nowhere, and one whose
    # execution still runs (waiting for its fraud check)
    failed, vanished, running = place_order(), place_order(), place_order()
    Order.objects.filter(pk=failed.pk).update(
        fulfilment_execution_arn=failed_execution()
    )
    Order.objects.filter(pk=vanished.pk).update(
        fulfilment_execution_arn=sfn.arn.replace(":stateMachine:", ":execution:")
        + ":gone"
    )
    running_arn = Order.objects.get(pk=running.pk).fulfilment_execution_arn
    orders = (failed, vanished, running)
    Order.objects.filter(pk__in=[order.pk for order in orders]).update(
        status_changed_at=timezone.now() - timedelta(hours=2)
    )
    # when
    counts = orders_reconcile(minutes=30)
    # then: the first two get a new execution, the running one is left to its own
    assert counts == {"redriven": 2, "payments": 0, "failed": 0}
    notes = OrderEvent.objects.filter(
        order__in=orders, message__startswith="Fulfilment re-driven"
    ).values_list("message", flat=True)
    assert sorted(notes) == [
        "Fulfilment re-driven by reconcile_orders (execution: FAILED).",
        "Fulfilment re-driven by reconcile_orders (execution: gone).",
    ]
    assert Order.objects.get(pk=running.pk).fulfilment_execution_arn == running_arn
    # and a worker takes every one of them to shipped, once
    step_worker()
    for order in orders:
        wait_until(
            lambda order=order: order_status(order) == S.SHIPPED,
            60,
            message=f"{order.number} shipped",
        )
        assert captures(order) == 1


@pytest.mark.aws
def test_ensure_command_makes_moto_execute_and_prints_the_state_machine(aws, settings):
    import io

    from django.core.management import call_command

    settings.SQS_QUEUE_PREFIX = f"e{uuid.uuid4().hex[:6]}-"
    out = io.StringIO()
    try:
        call_command("ensure_fulfilment_workflow", "--moto-execute", stdout=out)
        lines = out.getvalue().split()
        arn = lines[-1]
        assert arn.endswith(f":stateMachine:{settings.SQS_QUEUE_PREFIX}fulfilment")
        machine = client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        definition = json.loads(machine["definition"])
        assert definition["States"]["FraudScorer"]["Result"] == {
            "resource": SQS_WORKER_RESOURCE
        }
        queue = definition["States"]["Ship"]["Parameters"]["QueueUrl"]
        assert queue.endswith(f"/{settings.SQS_QUEUE_PREFIX}fulfilment-steps")
        # running it again converges on the same machine
        again = io.StringIO()
        call_command("ensure_fulfilment_workflow", stdout=again)
        assert again.getvalue().split()[-1] == arn
        # the Lambda route of the same file is valid States Language too (moto's
        # executing backend parses every definition it is given)
        _, lambda_arn = workflow_ensure(
            fraud_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fraud"
        )
        assert lambda_arn == arn
        states = json.loads(
            client("stepfunctions").describe_state_machine(stateMachineArn=arn)[
                "definition"
            ]
        )["States"]
        assert states["FraudScorer"]["Result"] == {"resource": LAMBDA_RESOURCE}
        # doctor: skipped with the Celery engine, checked with Step Functions
        from securecart.registry import doctor_checks, queue_names

        row = {c.name: c for c in doctor_checks()}["stepfunctions:fulfilment"]
        assert row.skip_reason() == "FULFILMENT_ENGINE is celery"
        assert "fulfilment-steps" not in queue_names()
        settings.FULFILMENT_ENGINE = "stepfunctions"
        settings.FULFILMENT_STATE_MACHINE_ARN = arn
        assert row.skip_reason() == ""
        assert row.check().ok and row.check().detail == arn
        assert "fulfilment-steps" in queue_names()
    finally:
        moto_executions(aws.endpoint, on=False)


@pytest.mark.aws
@pytest.mark.django_db
def test_a_message_without_a_task_token_is_left_for_the_dead_letter_queue(sfn):
    from orders.management.fulfilment_consumer import FulfilmentStepConsumer

    sqs = client("sqs")
    sqs.send_message(QueueUrl=sfn.queue_url, MessageBody='{"step": "ship"}')
    consumer = FulfilmentStepConsumer(wait_seconds=1)
    stats = consumer.run(once=True)
    assert (stats.received, stats.malformed, stats.deleted) == (1, 1, 0)
    # visible again at once: after max_receive_count receives SQS moves it to the DLQ
    again = sqs.receive_message(
        QueueUrl=sfn.queue_url, WaitTimeSeconds=1, AttributeNames=["All"]
    )["Messages"]
    assert again[0]["Body"] == '{"step": "ship"}'
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


@pytest.mark.django_db
def test_admin_order_page_names_the_celery_engine_without_an_execution(admin_client):
    from tests.factories.orders import OrderFactory

    order = OrderFactory()
    assert order.fulfilment_execution_arn == ""
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert "Celery (task chain)" in page.content.decode()


@pytest.mark.django_db
def test_a_step_may_answer_output_fields_and_an_unknown_step_fails(monkeypatch):
    from orders.services import fulfilment_steps
    from tests.factories.orders import OrderFactory

    order = OrderFactory()
    monkeypatch.setitem(
        fulfilment_steps.STEP_SERVICES,
        "fraud_facts",
        lambda order_id, message: {"facts": {"order_id": order_id}},
    )
    output = fulfilment_steps.fulfilment_step_run(
        message={"step": "fraud_facts", "order_number": order.number}
    )
    assert output == {
        "step": "fraud_facts",
        "outcome": "done",
        "facts": {"order_id": order.pk},
        "status": order.status,
    }
    with pytest.raises(fulfilment_steps.MalformedStep):
        fulfilment_steps.fulfilment_step_run(
            message={"step": "teleport", "order_number": order.number}
        )
    with pytest.raises(fulfilment_steps.MalformedStep):
        fulfilment_steps.fulfilment_step_run(
            message={"step": "ship", "order_number": "SC-NOSUCH00"}
        )

"""Operator commands: ensure_queues, redrive_dead_letters, reconcile_orders; and the
Celery/SQS configuration they pair with (predefined queues)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orders.models import Order
from tests.orders.test_tasks_fulfilment import place_order
from tests.services import wait_until


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def prefix() -> str:
    return f"q{uuid.uuid4().hex[:8]}-"


def queue_attributes(sqs, name: str) -> dict:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


# --- ensure_queues ---------------------------------------------------------------
@pytest.mark.aws
def test_ensure_queues_creates_each_celery_queue_with_a_dead_letter_queue(
    aws, prefix, settings
):
    from securecart.aws import client

    out = run("ensure_queues", prefix=prefix)
    sqs = client("sqs")
    names = sorted(
        url.rsplit("/", 1)[1]
        for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
    )
    expected = sorted(
        f"{prefix}{key}{suffix}"
        for key in settings.MESSAGING["celery_queues"]
        for suffix in ("", "-dlq")
    )
    assert names == expected
    fulfilment = queue_attributes(sqs, f"{prefix}fulfilment")
    dlq = queue_attributes(sqs, f"{prefix}fulfilment-dlq")
    assert fulfilment["VisibilityTimeout"] == "300"
    policy = json.loads(fulfilment["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == dlq["QueueArn"]
    assert int(policy["maxReceiveCount"]) == settings.MESSAGING["max_receive_count"]
    assert sum(line.startswith("created ") for line in out.splitlines()) == 8


@pytest.mark.aws
def test_ensure_queues_is_idempotent_and_repairs_drift(aws, prefix):
    from securecart.aws import client

    run("ensure_queues", prefix=prefix)
    again = run("ensure_queues", prefix=prefix)
    assert again.count("unchanged") == 8 and "0 created or updated" in again
    # given: someone changed a queue by hand
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=f"{prefix}events")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    # when / then
    repaired = run("ensure_queues", prefix=prefix)
    assert f"updated   {prefix}events " in repaired
    assert queue_attributes(sqs, f"{prefix}events")["VisibilityTimeout"] == "120"


# --- redrive_dead_letters ----------------------------------------------------------
@pytest.mark.aws
def test_redrive_moves_a_poison_message_back_from_the_dead_letter_queue(
    aws, prefix, settings
):
    from securecart.aws import client

    run("ensure_queues", prefix=prefix)
    sqs = client("sqs")
    source = sqs.get_queue_url(QueueName=f"{prefix}fulfilment")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{prefix}fulfilment-dlq")["QueueUrl"]
    sqs.send_message(
        QueueUrl=source,
        MessageBody='{"poison": 1}',
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "probe"}},
    )
    for n in range(2):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"n": n}))

    # given: the message fails maxReceiveCount times, so SQS dead-letters it
    def dead_lettered() -> bool:
        sqs.receive_message(QueueUrl=source, VisibilityTimeout=0, WaitTimeSeconds=0)
        count = queue_attributes(sqs, f"{prefix}fulfilment-dlq")[
            "ApproximateNumberOfMessages"
        ]
        return int(count) == 3

    wait_until(
        dead_lettered, 20, interval=0.05, message="SQS to dead-letter the message"
    )
    dry = run("redrive_dead_letters", "fulfilment", prefix=prefix, dry_run=True)
    assert "about 3 messages" in dry
    # when
    out = run("redrive_dead_letters", "fulfilment", prefix=prefix)
    # then
    assert f"Moved 3 messages from {prefix}fulfilment-dlq to {prefix}fulfilment" in out
    received = sqs.receive_message(
        QueueUrl=source,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageAttributeNames=["All"],
    )["Messages"]
    bodies = sorted(m["Body"] for m in received)
    assert bodies == sorted(['{"poison": 1}', '{"n": 0}', '{"n": 1}'])
    poison = next(m for m in received if m["Body"] == '{"poison": 1}')
    assert poison["MessageAttributes"]["kind"]["StringValue"] == "probe"
    assert (
        queue_attributes(sqs, f"{prefix}fulfilment-dlq")["ApproximateNumberOfMessages"]
        == "0"
    )


@pytest.mark.aws
def test_redrive_works_for_a_notification_channel_queue_too(aws, prefix):
    from securecart.aws import client

    sqs = client("sqs")
    source = sqs.create_queue(QueueName=f"{prefix}notifications-email")["QueueUrl"]
    dlq = sqs.create_queue(QueueName=f"{prefix}notifications-email-dlq")["QueueUrl"]
    for n in range(12):  # more than one receive batch
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"n": n}))
    out = run("redrive_dead_letters", "notifications-email-dlq", prefix=prefix)
    assert "Moved 12 messages" in out
    moved = 0
    while batch := sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get(
        "Messages"
    ):
        moved += len(batch)
        sqs.delete_message_batch(
            QueueUrl=source,
            Entries=[
                {"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]}
                for m in batch
            ],
        )
    assert moved == 12


@pytest.mark.aws
def test_redrive_of_an_unknown_or_missing_queue_fails_clearly(aws, prefix):
    with pytest.raises(CommandError, match="Unknown queue 'nope'"):
        run("redrive_dead_letters", "nope", prefix=prefix)
    with pytest.raises(CommandError, match="does not exist"):
        run("redrive_dead_letters", "fulfilment", prefix=prefix)


# --- predefined queues (no CreateQueue/ListQueues at run time) ------------------------
def test_predefined_queues_point_at_the_prefixed_queue_urls(settings, monkeypatch):
    from securecart.celery import _configure_queues, app

    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    settings.SQS_PREDEFINED_QUEUES = True
    settings.AWS_ACCOUNT_ID = "111122223333"
    settings.AWS_ENDPOINT_URL = ""
    settings.AWS_REGION = "eu-west-1"
    source = {
        "broker_url": "sqs://",
        "broker_transport_options": {
            "queue_name_prefix": "shop-",
            "region": "eu-west-1",
        },
    }
    _configure_queues(sender=app, source=source)
    options = source["broker_transport_options"]
    assert options["queue_name_prefix"] == ""
    assert options["predefined_queues"]["fulfilment"] == {
        "url": "https://sqs.eu-west-1.amazonaws.com/111122223333/shop-fulfilment"
    }
    assert set(options["predefined_queues"]) == set(settings.MESSAGING["celery_queues"])
    assert source["worker_enable_remote_control"] is False


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
def test_worker_on_predefined_queues_consumes_what_ensure_queues_created(
    redis_cache, celery_sqs, celery_worker_factory
):
    from django.core.cache import cache

    from securecart.aws import client
    from securecart.tasks import HEARTBEAT_KEY, worker_heartbeat_task

    run("ensure_queues", prefix=celery_sqs.prefix)
    sqs = client("sqs")
    before = sorted(sqs.list_queues(QueueNamePrefix=celery_sqs.prefix)["QueueUrls"])
    worker = celery_worker_factory(
        queues="default", extra_env={"SQS_PREDEFINED_QUEUES": "1"}
    )
    token = uuid.uuid4().hex
    worker_heartbeat_task.delay(token)
    wait_until(
        lambda: cache.get(HEARTBEAT_KEY.format(token=token)) == "ok",
        30,
        message="the worker on predefined queues to run the task",
    )
    # the worker created nothing: Terraform (here ensure_queues) owns the queues
    after = sorted(sqs.list_queues(QueueNamePrefix=celery_sqs.prefix)["QueueUrls"])
    assert after == before
    assert "Traceback" not in worker.log()


# --- reconcile_orders --------------------------------------------------------------
def _age(order: Order, minutes: int) -> None:
    Order.objects.filter(pk=order.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.mark.django_db
def test_reconcile_dry_run_lists_stuck_orders_and_changes_nothing(settings):
    settings.STUCK_ORDER_MINUTES = 30
    stuck = place_order()  # on_commit never ran: the workflow was never started
    fresh = place_order()
    _age(stuck, 45)
    out = run("reconcile_orders", dry_run=True)
    assert stuck.number in out and "placed" in out and "(45 min)" in out
    assert fresh.number not in out
    assert "Dry run: 1 orders stuck for more than 30 min" in out
    stuck.refresh_from_db()
    assert stuck.status == Order.Status.PLACED


@pytest.mark.django_db
def test_reconcile_redrives_a_stuck_order_to_shipped(
    django_capture_on_commit_callbacks,
):
    stuck = place_order()
    _age(stuck, 120)
    with django_capture_on_commit_callbacks(execute=True):
        out = run("reconcile_orders", minutes=60)
    assert "Re-drove 1 stuck orders" in out
    stuck.refresh_from_db()
    assert stuck.status == Order.Status.SHIPPED
    assert (
        stuck.events.filter(message__contains="re-driven by reconcile_orders").count()
        == 1
    )


@pytest.mark.django_db
def test_reconcile_fails_with_exit_status_1_when_it_cannot_enqueue(monkeypatch):
    import orders.services.fulfilment

    stuck = place_order()
    _age(stuck, 120)

    def broker_down(*, order_id: int) -> None:
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(orders.services.fulfilment, "fulfilment_start", broker_down)
    with pytest.raises(CommandError, match="1 could not be enqueued") as error:
        run("reconcile_orders", minutes=60)
    assert error.value.returncode == 1

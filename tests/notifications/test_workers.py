"""Real processes: a celery worker relays the outbox, consume_notifications sends."""

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest

from notifications.clients.sns import topic_publish
from notifications.models import NotificationLog, OutboxEvent
from notifications.services import messaging_ensure
from notifications.tasks import outbox_relay_task
from orders.models import Order, ShippingMethod
from orders.services.checkout import Address, checkout_submit
from shop.models import CartLine
from tests.factories.shop import CartFactory, VariantFactory
from tests.notifications.helpers import (
    ConsumerProcess,
    envelope,
    mailbox_subjects,
    moto_sms,
    process_env,
)
from tests.services import AWS_TEST_ENV, ROOT, wait_until

pytestmark = [pytest.mark.aws, pytest.mark.postgres]

CRASH_AFTER_COMMIT = """
import os, signal, django
django.setup()
from django.db import transaction
from notifications import tasks
from notifications.services import event_record

def die(*args, **kwargs):
    # The process dies after the commit, before the relay could publish.
    os.kill(os.getpid(), signal.SIGKILL)

tasks.outbox_relay_task.apply_async = die
with transaction.atomic():
    event = event_record(type="order.shipped", order_number="SC-CRASH001",
                         data={"email": "ada@example.com", "tracking_number": "1Z1"})
    print(event.id, flush=True)
print("not reached", flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_process_killed_after_commit_before_publish_the_sweep_publishes_it(
    aws, settings
):
    # given a process that commits an event and is killed before publishing it
    env = process_env({**__import__("os").environ, **AWS_TEST_ENV})
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crashed.returncode == -9, crashed.stderr
    event_id = crashed.stdout.split()[0]
    event = OutboxEvent.objects.get(pk=event_id)
    assert event.published_at is None
    # the operator check sees the lag
    status = subprocess.run(
        [sys.executable, "manage.py", "outbox_status", "--max-lag-seconds", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 1 and "unpublished=1" in status.stdout
    # when the periodic sweep runs (SNS on moto)
    settings.SQS_QUEUE_PREFIX = f"k{uuid.uuid4().hex[:6]}-"
    resources = messaging_ensure(with_event_bus=False)
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = resources.topic_arn
    assert outbox_relay_task.apply().result == 1
    # then it is published, once, to the channel queues
    event.refresh_from_db()
    assert event.published_at is not None
    from securecart.aws import client

    body = client("sqs").receive_message(
        QueueUrl=resources.queue_urls["notifications-email"], MaxNumberOfMessages=10
    )["Messages"]
    assert [json.loads(m["Body"])["id"] for m in body] == [event_id]
    assert outbox_relay_task.apply().result == 0


@pytest.mark.worker
@pytest.mark.slow
def test_order_placed_end_to_end_sends_one_confirmation_then_shipped_email_and_sms(
    celery_worker_factory, celery_sqs, settings, tmp_path
):
    # given SNS + channel queues on moto, a celery worker (fulfilment + relay) and
    # one consumer process per channel writing mail to files
    resources = messaging_ensure(with_event_bus=False)
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = resources.topic_arn
    mail_dir = tmp_path / "mail"
    extra = {
        "SNS_ORDER_EVENTS_TOPIC_ARN": resources.topic_arn,
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
    }
    celery_worker_factory(extra_env=extra)
    consumers = [
        ConsumerProcess(
            channel=channel,
            env=process_env(celery_sqs.env, **extra),
            log_path=tmp_path / f"consumer-{channel}.log",
        ).start()
        for channel in ("email", "sms")
    ]
    try:
        # when a customer who opted in to SMS places an order
        variant = VariantFactory(stock_on_hand=5, price=Decimal("19.90"))
        method, _ = ShippingMethod.objects.get_or_create(
            code="standard", defaults={"name": "Standard", "price": Decimal("5.00")}
        )
        cart = CartFactory()
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=1, unit_price=variant.price
        )
        result = checkout_submit(
            idempotency_key=uuid.uuid4().hex,
            cart_token=cart.token,
            user=None,
            email="grace@example.com",
            phone="+1 555 010 4242",
            sms_opt_in=True,
            address=Address(
                name="Grace Hopper",
                line1="1 Harbor Way",
                city="Arlington",
                postal_code="22201",
                country="US",
            ),
            shipping_method=method.code,
            payment_token="tok_visa",
        )
        assert result.placed, result.error
        number = result.order.number

        # then fulfilment ships it and the notifications follow, each exactly once
        def done():
            return (
                NotificationLog.objects.filter(
                    order_number=number, status=NotificationLog.Status.SENT
                ).count()
                >= 3
            )

        wait_until(
            done, 90, interval=0.3, message="placed+shipped email and shipped SMS"
        )
        assert Order.objects.get(number=number).status == Order.Status.SHIPPED
        subjects = wait_until(lambda: mailbox_subjects(mail_dir), 10)
        assert sorted(subjects) == sorted(
            [
                f"SecureCart: Order {number} confirmed",
                f"SecureCart: Order {number} has shipped",
            ]
        )
        sms = [m for m in moto_sms(celery_sqs.endpoint) if number in m["message"]]
        assert [m["phone_number"] for m in sms] == ["+15550104242"]
        assert "has shipped" in sms[0]["message"]
        logs = set(
            NotificationLog.objects.filter(order_number=number).values_list(
                "channel", "event_type", "recipient", "status"
            )
        )
        assert logs == {
            ("email", "order.placed", "grace@example.com", "sent"),
            ("email", "order.shipped", "grace@example.com", "sent"),
            ("sms", "order.shipped", "+15550104242", "sent"),
        }
        assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    finally:
        for consumer in consumers:
            consumer.stop()


def test_sqs_clients_read_longer_than_the_longest_long_poll(aws):
    from securecart.aws import SQS_MAX_WAIT_SECONDS, client

    assert client("sqs").meta.config.read_timeout > SQS_MAX_WAIT_SECONDS
    assert client("sns").meta.config.read_timeout <= 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_idle_consumer_with_default_long_poll_outlives_empty_polls_then_sends(
    messaging, settings, tmp_path
):
    # given a real email consumer with the command's default long poll (20 s) on an
    # empty queue; before the read timeout outlasted the poll it died at ~40 s
    mail_dir = tmp_path / "mail"
    env = process_env(
        {**os.environ, **AWS_TEST_ENV},
        AWS_ENDPOINT_URL=messaging.endpoint,
        SQS_QUEUE_PREFIX=settings.SQS_QUEUE_PREFIX,
        TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_dir),
    )
    consumer = ConsumerProcess(
        channel="email", env=env, log_path=tmp_path / "consumer.log", wait_seconds=None
    ).start()
    try:
        # when it idles through two full long polls and more: the process must
        # still be running after 45 s (a consumer that dies ends the wait at once)
        try:
            code = consumer.proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            code = None
        assert code is None, f"consumer exited with {code}:\n{consumer.log()}"
        # and then an event arrives through SNS
        topic_publish(
            topic_arn=messaging.resources.topic_arn,
            envelope=envelope("order.shipped", tracking_number="1Z999"),
        )
        # then the poll in progress takes it and the email is sent once
        subjects = wait_until(lambda: mailbox_subjects(mail_dir), 15, interval=0.2)
        assert subjects == ["SecureCart: Order SC-TEST0001 has shipped"]
        assert "Error" not in consumer.log(), consumer.log()
    finally:
        consumer.stop()

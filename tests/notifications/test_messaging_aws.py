"""Publishing and consuming on moto server: SNS fan-out, filters, DLQs, SMS, EventBridge."""

import json

import pytest
from django.core import mail
from django.core.management import call_command

from notifications.models import FailedMessage, NotificationLog, OutboxEvent
from notifications.services import outbox_sweep
from securecart.aws import client
from tests.notifications.helpers import envelope, moto_sms, record
from tests.services import wait_until

pytestmark = [pytest.mark.aws, pytest.mark.django_db]


def test_ensure_messaging_is_idempotent_and_wires_filters_and_dlqs(messaging, settings):
    # when run a second time
    call_command("ensure_messaging")
    # then one subscription per channel queue, raw delivery, filtered by event_type
    sns, sqs = messaging.sns, messaging.sqs
    subs = sns.list_subscriptions_by_topic(TopicArn=messaging.resources.topic_arn)[
        "Subscriptions"
    ]
    assert len(subs) == len(settings.MESSAGING["channel_queues"])
    for sub in subs:
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=sub["SubscriptionArn"]
        )["Attributes"]
        assert attributes["RawMessageDelivery"] == "true"
        key = sub["Endpoint"].rsplit(":", 1)[1].removeprefix(messaging.prefix)
        expected = settings.MESSAGING["channel_queues"][key]["event_types"]
        assert json.loads(attributes["FilterPolicy"]) == {
            "event_type": sorted(expected)
        }
    redrive = json.loads(
        sqs.get_queue_attributes(
            QueueUrl=messaging.email_queue, AttributeNames=["RedrivePolicy"]
        )["Attributes"]["RedrivePolicy"]
    )
    assert int(redrive["maxReceiveCount"]) == settings.MESSAGING["max_receive_count"]
    assert redrive["deadLetterTargetArn"].endswith(
        f"{messaging.prefix}notifications-email-dlq"
    )


def test_relay_publishes_to_sns_and_each_channel_gets_only_its_event_types(
    messaging, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        placed = record("order.placed", number="SC-FAN00001")
        shipped = record("order.shipped", number="SC-FAN00001", tracking_number="1Z9")
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
    email = messaging.receive_all(messaging.email_queue)
    sms = messaging.receive_all(messaging.sms_queue)
    assert sorted(json.loads(m["Body"])["id"] for m in email) == sorted(
        [str(placed.id), str(shipped.id)]
    )
    assert [json.loads(m["Body"]) for m in sms] == [shipped.envelope()]
    assert sms[0]["MessageAttributes"]["event_type"]["StringValue"] == "order.shipped"


def test_same_sns_message_delivered_twice_sends_one_email(messaging):
    body = json.dumps(envelope("order.placed", number="SC-DUP00001"))
    for _ in range(2):
        messaging.sns.publish(
            TopicArn=messaging.resources.topic_arn,
            Message=body,
            MessageAttributes={
                "event_type": {"DataType": "String", "StringValue": "order.placed"}
            },
        )
    consumer = messaging.consumer("email")
    wait_until(lambda: consumer.poll() == 0 and consumer.stats.received >= 2, 10)
    assert consumer.stats.outcomes == {"sent": 1, "duplicate": 1}
    assert len(mail.outbox) == 1
    assert NotificationLog.objects.get().status == NotificationLog.Status.SENT
    assert messaging.depth(messaging.email_queue) == 0


def test_placed_email_is_html_and_text_with_lines_and_totals(messaging):
    messaging.sqs.send_message(
        QueueUrl=messaging.email_queue,
        MessageBody=json.dumps(envelope("order.placed", number="SC-HTML0001")),
    )
    messaging.consumer("email").poll()
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "SC-HTML0001" in part
        assert "Analytical Engine — Brass" in part
        assert "24.50 USD" in part
    assert "<table" in html
    assert message.extra_headers["X-SecureCart-Event"]


def test_malformed_messages_reach_the_dlq_after_configured_receives_and_others_flow(
    aws, settings
):
    settings.MESSAGING = {**settings.MESSAGING, "max_receive_count": 3}
    from notifications.services import messaging_ensure

    settings.SQS_QUEUE_PREFIX = "poison-"
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0
    resources = messaging_ensure(with_event_bus=False)
    sqs = client("sqs")
    queue = resources.queue_urls["notifications-email"]
    dlq = resources.dlq_urls["notifications-email"]
    bad = [
        "this is not json",
        json.dumps({**envelope(), "type": "order.exploded"}),
        json.dumps(
            {"id": "3f0c1a9e-0b6c-4c43-9e6f-0c1b2d3e4f50", "type": "order.placed"}
        ),
    ]
    for body in bad:
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    from notifications.consumer import ChannelConsumer

    consumer = ChannelConsumer(channel="email", wait_seconds=0)
    consumer.poll()
    # a good message behind the poison ones still goes out
    sqs.send_message(
        QueueUrl=queue,
        MessageBody=json.dumps(envelope("order.placed", number="SC-GOOD0001")),
    )

    def dlq_depth():
        consumer.poll()
        return int(
            sqs.get_queue_attributes(
                QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )

    wait_until(lambda: dlq_depth() == 3, 20, message="3 poison messages in the DLQ")
    assert [m.subject for m in mail.outbox] == [
        "SecureCart: Order SC-GOOD0001 confirmed"
    ]
    assert consumer.stats.malformed == 3 * 3  # each received max_receive_count times
    failed = FailedMessage.objects.order_by("id")
    assert failed.count() == 3
    assert all(f.dead_lettered and f.receive_count == 3 for f in failed)
    assert {f.body for f in failed} == set(bad)
    assert any("not JSON" in f.error for f in failed)
    assert any("unknown event type" in f.error for f in failed)
    assert any("missing fields" in f.error for f in failed)
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in dead) == sorted(bad)


def test_transient_email_failure_retries_and_sends_once(messaging, settings):
    from tests.notifications.conftest import FlakyEmailBackend

    settings.EMAIL_BACKEND = "tests.notifications.conftest.FlakyEmailBackend"
    FlakyEmailBackend.failures, FlakyEmailBackend.sent = 1, []
    messaging.sqs.send_message(
        QueueUrl=messaging.email_queue,
        MessageBody=json.dumps(envelope("order.delivered", number="SC-FLAKY001")),
    )
    consumer = messaging.consumer("email")
    consumer.poll()
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.RETRYING
    assert "SMTP connection reset" in log.error
    wait_until(lambda: consumer.poll() or consumer.stats.deleted == 1, 10)
    log.refresh_from_db()
    assert log.status == NotificationLog.Status.SENT and log.attempts == 2
    assert len(FlakyEmailBackend.sent) == 1
    assert messaging.depth(messaging.email_queue) == 0


def test_shipped_sms_goes_to_opted_in_customers_only(messaging):
    for number, extra in [
        ("SC-SMS00001", {"tracking_number": "1Z999", "carrier": "UPS"}),
        ("SC-SMS00002", {"sms_opt_in": False, "phone": "+15550109999"}),
    ]:
        messaging.sqs.send_message(
            QueueUrl=messaging.sms_queue,
            MessageBody=json.dumps(envelope("order.shipped", number=number, **extra)),
        )
    consumer = messaging.consumer("sms")
    wait_until(lambda: consumer.poll() == 0 and consumer.stats.deleted == 2, 10)
    sms = [m for m in moto_sms(messaging.endpoint)]
    assert len(sms) == 1
    assert sms[0]["phone_number"] == "+15550102030"
    assert "SC-SMS00001" in sms[0]["message"]
    assert "https://www.ups.com/track?tracknum=1Z999" in sms[0]["message"]
    log = NotificationLog.objects.get()
    assert (log.channel, log.status, log.order_number) == ("sms", "sent", "SC-SMS00001")


def test_badly_formatted_phone_is_recorded_failed_not_retried(messaging):
    messaging.sqs.send_message(
        QueueUrl=messaging.sms_queue,
        MessageBody=json.dumps(
            envelope("order.delivered", number="SC-BADPH001", phone="555-0102 call me")
        ),
    )
    consumer = messaging.consumer("sms")
    consumer.poll()
    log = NotificationLog.objects.get()
    assert log.status == NotificationLog.Status.FAILED
    assert "E.164" in log.error
    assert moto_sms(messaging.endpoint) == []
    assert messaging.depth(messaging.sms_queue) == 0  # deleted, not retried


def test_eventbridge_rule_routes_order_shipped_to_a_queue_with_envelope_intact(
    messaging, settings, django_capture_on_commit_callbacks
):
    events, sqs = client("events"), messaging.sqs
    settings.EVENT_BUS_NAME = "securecart-orders-test"
    events.create_event_bus(Name=settings.EVENT_BUS_NAME)
    target = sqs.create_queue(QueueName=f"{messaging.prefix}shipped-test")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(
        Name="shipped-to-test",
        EventBusName=settings.EVENT_BUS_NAME,
        EventPattern=json.dumps(
            {"source": ["securecart.orders"], "detail-type": ["order.shipped"]}
        ),
    )
    events.put_targets(
        Rule="shipped-to-test",
        EventBusName=settings.EVENT_BUS_NAME,
        Targets=[{"Id": "q", "Arn": target_arn}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        record("order.placed", number="SC-EVB00001")
        shipped = record("order.shipped", number="SC-EVB00001", tracking_number="T1")
    messages = sqs.receive_message(QueueUrl=target, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])
    assert event["source"] == "securecart.orders"
    assert event["detail-type"] == "order.shipped"
    assert event["detail"] == shipped.envelope()


def test_outbox_status_fails_when_lag_exceeds_threshold(messaging, capsys):
    from django.core.management.base import CommandError

    record("order.placed", number="SC-LAG00001")  # on-commit hooks never run here
    with pytest.raises(CommandError) as excinfo:
        call_command("outbox_status", "--max-lag-seconds", "0")
    assert excinfo.value.returncode == 1
    assert "unpublished=1" in capsys.readouterr().out
    outbox_sweep()
    call_command("outbox_status", "--max-lag-seconds", "0")
    assert "unpublished=0" in capsys.readouterr().out


def test_consume_notifications_command_stops_after_max_messages(messaging, capsys):
    for i in range(3):
        messaging.sqs.send_message(
            QueueUrl=messaging.email_queue,
            MessageBody=json.dumps(
                envelope("order.cancelled", number=f"SC-CMD0000{i}")
            ),
        )
    call_command(
        "consume_notifications",
        "--channel",
        "email",
        "--max-messages",
        "3",
        "--wait-seconds",
        "1",
    )
    out = capsys.readouterr().out
    assert "received=3 deleted=3" in out
    assert sorted(m.subject for m in mail.outbox) == [
        f"SecureCart: Order SC-CMD0000{i} was cancelled" for i in range(3)
    ]


def test_consume_notifications_without_its_queue_says_how_to_create_it(aws, settings):
    from django.core.management.base import CommandError

    settings.SQS_QUEUE_PREFIX = "missing-"
    with pytest.raises(CommandError, match="ensure_messaging"):
        call_command("consume_notifications", "--channel", "sms", "--once")


def test_a_new_fan_out_queue_without_filter_receives_every_event(aws, settings):
    from notifications.services import messaging_ensure

    # given room for more: an analytics queue with no event_types in messaging.json
    settings.MESSAGING = {
        **settings.MESSAGING,
        "channel_queues": {**settings.MESSAGING["channel_queues"], "analytics": {}},
    }
    settings.SQS_QUEUE_PREFIX = "more-"
    resources = messaging_ensure(with_event_bus=False)
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = resources.topic_arn
    events = [record("payment.captured", number="SC-ANA00001"), record("order.placed")]
    outbox_sweep()
    received = client("sqs").receive_message(
        QueueUrl=resources.queue_urls["analytics"], MaxNumberOfMessages=10
    )["Messages"]
    assert sorted(json.loads(m["Body"])["id"] for m in received) == sorted(
        str(e.id) for e in events
    )

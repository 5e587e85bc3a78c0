"""Fixtures of the notifications tests: topic, channel queues and DLQs on moto."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from notifications import messaging as names
from notifications.consumer import ChannelConsumer
from notifications.services import messaging_ensure
from securecart.aws import client


class FlakyEmailBackend:
    """Email backend whose first `failures` sends raise (a transient SMTP error)."""

    failures = 0
    sent: list = []

    def __init__(self, fail_silently: bool = False, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyEmailBackend.failures > 0:
            FlakyEmailBackend.failures -= 1
            raise ConnectionResetError("SMTP connection reset")
        FlakyEmailBackend.sent.extend(messages)
        return len(messages)


@pytest.fixture
def messaging(aws, settings):
    """Topic, channel queues + DLQs and subscriptions (via ensure_messaging)."""
    settings.SQS_QUEUE_PREFIX = f"n{uuid.uuid4().hex[:6]}-"
    settings.EVENT_BUS_NAME = ""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0
    resources = messaging_ensure()
    settings.SNS_ORDER_EVENTS_TOPIC_ARN = resources.topic_arn
    sqs = client("sqs")

    def queue_url(key: str) -> str:
        return resources.queue_urls[key]

    def depth(url: str) -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def receive_all(url: str) -> list[dict]:
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def consumer(channel: str) -> ChannelConsumer:
        return ChannelConsumer(channel=channel, wait_seconds=0)

    return SimpleNamespace(
        resources=resources,
        endpoint=aws.endpoint,
        sqs=sqs,
        sns=client("sns"),
        queue_url=queue_url,
        email_queue=queue_url(names.channel_queue_key("email")),
        sms_queue=queue_url(names.channel_queue_key("sms")),
        email_dlq=resources.dlq_urls[names.channel_queue_key("email")],
        depth=depth,
        receive_all=receive_all,
        consumer=consumer,
        prefix=settings.SQS_QUEUE_PREFIX,
    )

"""Create the SNS topic, channel queues, DLQs, subscriptions and the bus.

For moto and first installs; in AWS Terraform owns these (same names, from
securecart/messaging.json). Every step is idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from notifications import messaging
from securecart.aws import client


@dataclass
class MessagingResources:
    topic_arn: str = ""
    queue_urls: dict[str, str] = field(default_factory=dict)
    dlq_urls: dict[str, str] = field(default_factory=dict)
    subscription_arns: dict[str, str] = field(default_factory=dict)
    event_bus_name: str = ""


def _queue_ensure(name: str, attributes: dict[str, str]) -> tuple[str, str]:
    """Create the queue if needed, then (re)apply attributes; return (url, arn)."""
    sqs = client("sqs")
    # Without attributes CreateQueue never conflicts with an existing queue.
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    if attributes:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    return url, arn


def _queue_policy(queue_arn: str, topic_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "OrderEventsTopicSends",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
    )


def _subscription_ensure(topic_arn: str, queue_arn: str, event_types: list[str]) -> str:
    sns = client("sns")
    existing = ""
    paginator = sns.get_paginator("list_subscriptions_by_topic")
    for page in paginator.paginate(TopicArn=topic_arn):
        for sub in page["Subscriptions"]:
            if sub["Protocol"] == "sqs" and sub["Endpoint"] == queue_arn:
                existing = sub["SubscriptionArn"]
    if not existing:
        existing = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
    # Raw delivery: the queue message body is the envelope, not an SNS wrapper.
    sns.set_subscription_attributes(
        SubscriptionArn=existing,
        AttributeName="RawMessageDelivery",
        AttributeValue="true",
    )
    if event_types:
        sns.set_subscription_attributes(
            SubscriptionArn=existing,
            AttributeName="FilterPolicy",
            AttributeValue=json.dumps({"event_type": sorted(event_types)}),
        )
    return existing


def messaging_ensure(*, with_event_bus: bool = True) -> MessagingResources:
    """Create or update everything in settings.MESSAGING's notification part."""
    resources = MessagingResources()
    resources.topic_arn = client("sns").create_topic(Name=messaging.topic_name())[
        "TopicArn"
    ]
    for key, config in messaging.channel_queues().items():
        dlq_url, dlq_arn = _queue_ensure(
            messaging.queue_name(messaging.dlq_name(key)),
            {"MessageRetentionPeriod": str(14 * 24 * 3600)},
        )
        url, arn = _queue_ensure(
            messaging.queue_name(key),
            {
                "VisibilityTimeout": str(config.get("visibility_timeout", 120)),
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": dlq_arn,
                        "maxReceiveCount": str(messaging.max_receive_count()),
                    }
                ),
            },
        )
        client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": _queue_policy(arn, resources.topic_arn)}
        )
        resources.queue_urls[key] = url
        resources.dlq_urls[key] = dlq_url
        resources.subscription_arns[key] = _subscription_ensure(
            resources.topic_arn, arn, list(config.get("event_types", []))
        )
    if with_event_bus:
        bus = messaging.event_bus_name()
        try:
            client("events").create_event_bus(Name=bus)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
        resources.event_bus_name = bus
    return resources

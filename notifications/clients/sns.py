"""SNS: publish an event envelope to the order-events topic, or an SMS."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from securecart.aws import client


def topic_publish(*, topic_arn: str, envelope: dict[str, Any]) -> str:
    """Publish one envelope; `event_type` is a message attribute for filters."""
    response = client("sns").publish(
        TopicArn=topic_arn,
        Message=json.dumps(envelope, separators=(",", ":")),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": envelope["type"]}
        },
    )
    return response["MessageId"]


def sms_publish(*, phone_number: str, message: str) -> str:
    """Send a transactional SMS straight to an E.164 number."""
    attributes = {
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
    }
    if settings.SMS_SENDER_ID:
        attributes["AWS.SNS.SMS.SenderID"] = {
            "DataType": "String",
            "StringValue": settings.SMS_SENDER_ID,
        }
    response = client("sns").publish(
        PhoneNumber=phone_number, Message=message, MessageAttributes=attributes
    )
    return response["MessageId"]

"""Writes for notifications: turn one channel message into at most one send.

A message is an event envelope as SNS delivers it to a channel queue (raw
delivery), or as the in-process bus hands it over. The NotificationLog row per
(event id, channel, recipient) is the exactly-once record.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications import messaging
from notifications.clients import sns
from notifications.exceptions import (
    MalformedMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.models import FailedMessage, NotificationLog, OutboxEvent
from notifications.selectors import order_snapshot, tracking_url

from .outbox import EVENT_TYPES

logger = logging.getLogger(__name__)

ENVELOPE_FIELDS = ("id", "type", "occurred_at", "order_number", "data")
# Shorter than the channel queues' visibility timeout (120 s): a consumer that
# died mid-send lets the claim lapse before SQS redelivers the message.
SEND_CLAIM_SECONDS = 90
E164 = re.compile(r"^\+[1-9]\d{7,14}$")

EMAIL_SUBJECTS = {
    "order.placed": "Order {number} confirmed",
    "order.on_hold": "Order {number} is being reviewed",
    "order.shipped": "Order {number} has shipped",
    "order.delivered": "Order {number} was delivered",
    "order.cancelled": "Order {number} was cancelled",
    "order.refunded": "Order {number} was refunded",
    "order.refunded_partially": "Part of order {number} was refunded",
    "order.return_requested": "We received your return request for order {number}",
    "order.return_approved": "Your return for order {number} is approved",
    "order.return_rejected": "Your return for order {number} was not accepted",
    "order.return_received": "Your return for order {number} arrived and is refunded",
}
SMS_TEXTS = {
    "order.shipped": "{site}: your order {number} has shipped.{tracking}",
    "order.delivered": "{site}: your order {number} was delivered. Thank you!",
}
# SNS error codes that will fail the same way every time.
SMS_PERMANENT_ERRORS = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "OptedOut", "OptedOutException"}
)


# --- parsing -----------------------------------------------------------------
def envelope_parse(body: str) -> dict[str, Any]:
    """Return the event envelope in a channel message, or raise MalformedMessage.

    Accepts raw SNS delivery (the envelope itself), an SNS notification wrapper
    (raw delivery off) and an EventBridge event (envelope in `detail`).
    """
    try:
        payload = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise MalformedMessage(f"not JSON: {exc}") from exc
    if isinstance(payload, dict) and payload.get("Type") == "Notification":
        return envelope_parse(payload.get("Message", ""))
    if isinstance(payload, dict) and "detail-type" in payload:
        payload = payload.get("detail")
    if not isinstance(payload, dict):
        raise MalformedMessage("not a JSON object")
    missing = [name for name in ENVELOPE_FIELDS if name not in payload]
    if missing:
        raise MalformedMessage(f"missing fields: {', '.join(missing)}")
    if payload["type"] not in EVENT_TYPES:
        raise MalformedMessage(f"unknown event type: {payload['type']!r}")
    try:
        uuid.UUID(str(payload["id"]))
    except ValueError as exc:
        raise MalformedMessage(f"bad event id: {payload['id']!r}") from exc
    if not isinstance(payload["data"], dict):
        raise MalformedMessage("data is not an object")
    if not isinstance(payload["order_number"], str):
        raise MalformedMessage("order_number is not a string")
    return payload


def notification_context(envelope: dict[str, Any]) -> dict[str, Any]:
    """Merge the event's data with the order as it is now (the order wins)."""
    context: dict[str, Any] = {"number": envelope["order_number"], **envelope["data"]}
    snapshot = order_snapshot(number=envelope["order_number"]) or {}
    context.update(
        {key: value for key, value in snapshot.items() if value not in ("", None)}
    )
    context.setdefault("lines", [])
    context["tracking_url"] = context.get("tracking_url") or tracking_url(
        carrier=context.get("carrier", ""),
        tracking_number=context.get("tracking_number", ""),
    )
    context["event_type"] = envelope["type"]
    context["site_name"] = settings.SITE_NAME
    return context


def phone_normalise(phone: str) -> str:
    """Drop spaces and punctuation people type ("+1 (555) 010-2000")."""
    return re.sub(r"[\s\-().]", "", phone or "")


def _recipients(channel: str, context: dict[str, Any]) -> list[str]:
    if channel == NotificationLog.Channel.EMAIL:
        email = (context.get("email") or "").strip()
        if not email:
            raise MalformedMessage(f"no email address for order {context['number']!r}")
        return [email]
    if channel == NotificationLog.Channel.SMS:
        phone = phone_normalise(context.get("phone", ""))
        if not phone or not context.get("sms_opt_in"):
            return []
        return [phone]
    raise MalformedMessage(f"unknown channel {channel!r}")


# --- senders -----------------------------------------------------------------
@dataclass(frozen=True)
class RenderedEmail:
    subject: str  # "Order SC-… has shipped" (the log keeps this)
    text: str
    html: str

    @property
    def full_subject(self) -> str:
        """The subject line as the customer sees it, with the shop's name."""
        return f"{settings.SITE_NAME}: {self.subject}"


def email_render(*, context: dict[str, Any]) -> RenderedEmail:
    """The email of one event, for a context from `notification_context`
    (what is sent, and what staff preview in admin)."""
    name = context["event_type"].replace(".", "_")
    subject = EMAIL_SUBJECTS[context["event_type"]].format(number=context["number"])
    context = {**context, "subject": subject}
    return RenderedEmail(
        subject=subject,
        text=render_to_string(f"notifications/email/{name}.txt", context),
        html=render_to_string(f"notifications/email/{name}.html", context),
    )


def _email_send(*, recipient: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render and send one templated email; return (message id, subject, text)."""
    email = email_render(context=context)
    message_id = make_msgid(domain="securecart")
    message = EmailMultiAlternatives(
        subject=email.full_subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Message-ID": message_id, "X-SecureCart-Event": context["event_id"]},
    )
    message.attach_alternative(email.html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError(f"recipient refused: {exc}") from exc
    return message_id, email.subject, email.text


def _sms_send(*, recipient: str, context: dict[str, Any]) -> tuple[str, str, str]:
    if not E164.match(recipient):
        raise PermanentDeliveryError(f"phone number not in E.164 format: {recipient!r}")
    link = context.get("tracking_url")
    text = SMS_TEXTS[context["event_type"]].format(
        site=settings.SITE_NAME,
        number=context["number"],
        tracking=f" Track: {link}" if link else "",
    )
    try:
        message_id = sns.sms_publish(phone_number=recipient, message=text)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in SMS_PERMANENT_ERRORS:
            raise PermanentDeliveryError(f"SNS refused the SMS: {code}") from exc
        raise
    return message_id, text[:200], text


SENDERS: dict[str, Callable[..., tuple[str, str, str]]] = {
    NotificationLog.Channel.EMAIL: _email_send,
    NotificationLog.Channel.SMS: _sms_send,
}
DONE = (NotificationLog.Status.SENT, NotificationLog.Status.FAILED)


def _send_and_record(*, log: NotificationLog, context: dict[str, Any]) -> str:
    """Send for a claimed log row and record the outcome ("sent" or "failed")."""
    rows = NotificationLog.objects.filter(pk=log.pk)
    try:
        provider_id, subject, body = SENDERS[log.channel](
            recipient=log.recipient, context=context
        )
    except PermanentDeliveryError as exc:
        logger.warning(
            "notification failed permanently",
            extra={
                "event_id": str(log.event_id),
                "channel": log.channel,
                "error": str(exc),
            },
        )
        rows.update(
            status=NotificationLog.Status.FAILED,
            error=str(exc)[:2000],
            claimed_until=None,
            updated_at=timezone.now(),
        )
        return "failed"
    except Exception as exc:
        rows.update(
            status=NotificationLog.Status.RETRYING,
            error=repr(exc)[:2000],
            claimed_until=None,
            updated_at=timezone.now(),
        )
        raise TransientDeliveryError(repr(exc)) from exc
    rows.update(
        status=NotificationLog.Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:200],
        subject=subject[:200],
        body=body,
        error="",
        claimed_until=None,
        updated_at=timezone.now(),
    )
    return "sent"


def _notification_claim(
    *, channel: str, envelope: dict[str, Any], recipient: str
) -> NotificationLog | str:
    """Claim the (event, channel, recipient) send, or say why not.

    Returns the claimed row, or "duplicate" when it was already sent/failed.
    Raises TransientDeliveryError while another consumer holds the claim.
    The unique constraint and a conditional UPDATE are the claim: of two
    consumers holding copies of one event, exactly one gets it. The first
    delivery costs one INSERT (one commit): commits dominate on PostgreSQL.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=SEND_CLAIM_SECONDS)
    key = {"event_id": envelope["id"], "channel": channel, "recipient": recipient}
    try:
        with transaction.atomic():
            return NotificationLog.objects.create(
                **key,
                event_type=envelope["type"],
                order_number=envelope["order_number"],
                status=NotificationLog.Status.SENDING,
                claimed_until=lease,
                attempts=1,
            )
    except IntegrityError:
        pass  # seen before: a redelivery, a retry, or a concurrent copy
    claimed = (
        NotificationLog.objects.filter(**key)
        .exclude(status__in=DONE)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            status=NotificationLog.Status.SENDING,
            claimed_until=lease,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    log = NotificationLog.objects.get(**key)
    if claimed:
        return log
    if log.status in DONE:
        return "duplicate"
    raise TransientDeliveryError("another consumer is sending this notification")


def _notification_deliver(
    *, channel: str, envelope: dict[str, Any], context: dict[str, Any], recipient: str
) -> str:
    claim = _notification_claim(channel=channel, envelope=envelope, recipient=recipient)
    if isinstance(claim, str):
        return claim
    return _send_and_record(log=claim, context=context)


def notification_message_handle(*, channel: str, body: str) -> list[str]:
    """Handle one channel message; return one outcome per recipient.

    Raises MalformedMessage (never retry: dead-letter) or TransientDeliveryError
    (retry with backoff). A duplicate delivery returns ["duplicate"] and sends
    nothing.
    """
    envelope = envelope_parse(body)
    if envelope["type"] not in messaging.channel_event_types(channel):
        return ["ignored"]
    context = notification_context(envelope)
    context["event_id"] = str(envelope["id"])
    outcomes = [
        _notification_deliver(
            channel=channel, envelope=envelope, context=context, recipient=recipient
        )
        for recipient in _recipients(channel, context)
    ]
    logger.info(
        "notification handled",
        extra={
            "event_id": str(envelope["id"]),
            "channel": channel,
            "outcomes": outcomes,
        },
    )
    return outcomes or ["no_recipient"]


def notification_resend(*, log: NotificationLog) -> NotificationLog:
    """Send this notification again, deliberately (staff action in admin)."""
    event = OutboxEvent.objects.filter(pk=log.event_id).first()
    if event is None:
        raise PermanentDeliveryError("the event is no longer in the outbox")
    envelope = event.envelope()
    context = notification_context(envelope)
    context["event_id"] = str(envelope["id"])
    NotificationLog.objects.filter(pk=log.pk).update(
        attempts=F("attempts") + 1, resend_count=F("resend_count") + 1
    )
    try:
        _send_and_record(log=log, context=context)
    except TransientDeliveryError:
        pass  # recorded on the row as `retrying`; staff can try again
    log.refresh_from_db()
    return log


def failed_message_record(
    *, channel: str, message_id: str, body: str, error: str, receive_count: int
) -> FailedMessage:
    """Record (or update) a message the consumer gave up on, for staff."""
    failed, _ = FailedMessage.objects.update_or_create(
        channel=channel,
        message_id=message_id,
        defaults={
            "body": body[:10_000],
            "error": error[:2000],
            "receive_count": receive_count,
            "dead_lettered": receive_count >= messaging.max_receive_count(),
        },
    )
    return failed

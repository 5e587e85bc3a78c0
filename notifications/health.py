"""What notifications contributes to doctor, /metrics and the business counters.

Registered from NotificationsConfig.ready() through securecart/registry.py: the
channel queues (depth and dead-letter depth on /metrics, the dashboard and
doctor), the SNS topic and EventBridge bus (doctor rows), the outbox lag (a
scrape-time gauge, written as EMF in AWS) and the outbox and notification log
models (business counters).
"""

from __future__ import annotations

from django.conf import settings

from notifications import selectors
from notifications.models import NotificationLog, OutboxEvent
from securecart import registry
from securecart.aws import client
from securecart.observability import metrics


def sns_topic_check() -> registry.CheckResult:
    arn = settings.SNS_ORDER_EVENTS_TOPIC_ARN
    attrs = client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    return registry.CheckResult(
        True, f"{arn} ({attrs.get('SubscriptionsConfirmed', '?')} subscriptions)"
    )


def sns_topic_skip_reason() -> str:
    return (
        ""
        if settings.SNS_ORDER_EVENTS_TOPIC_ARN
        else "SNS_ORDER_EVENTS_TOPIC_ARN not set"
    )


def event_bus_check() -> registry.CheckResult:
    bus = client("events").describe_event_bus(Name=settings.EVENT_BUS_NAME)
    return registry.CheckResult(True, bus["Arn"])


def event_bus_skip_reason() -> str:
    return "" if settings.EVENT_BUS_NAME else "EVENT_BUS_NAME not set"


def outbox_gauges() -> list[registry.Gauge]:
    lag = selectors.outbox_lag()
    return [
        registry.Gauge(
            name="securecart_outbox_lag_seconds",
            documentation=(
                "Age of the oldest unpublished outbox event (0 when none wait)."
            ),
            value=lag.oldest_age_seconds,
            cloudwatch=(
                "OutboxLagSeconds",
                round(lag.oldest_age_seconds, 1),
                "Seconds",
            ),
        ),
        registry.Gauge(
            name="securecart_outbox_unpublished",
            documentation="Outbox events not yet published.",
            value=lag.unpublished,
            cloudwatch=("OutboxUnpublished", lag.unpublished, "Count"),
        ),
    ]


def notification_failed(log: NotificationLog) -> None:
    metrics.NOTIFICATION_FAILURES.record(channel=str(log.channel or "unknown"))


def contributions_register() -> None:
    """Register everything above with the platform (from AppConfig.ready)."""
    registry.register_queues(
        owner="notifications",
        names=lambda: list(settings.MESSAGING.get("channel_queues", {})),
    )
    registry.register_doctor_check(
        name="sns:order-events",
        check=sns_topic_check,
        skip_reason=sns_topic_skip_reason,
    )
    registry.register_doctor_check(
        name="eventbridge", check=event_bus_check, skip_reason=event_bus_skip_reason
    )
    registry.register_metrics_source(name="outbox", read=outbox_gauges)
    registry.register_domain_events(model=OutboxEvent)
    registry.register_failure_counter(
        model=NotificationLog, on_failed=notification_failed
    )

"""The metric catalogue: one place that names every business and technical metric.

Call sites use `ORDERS_PLACED.record(currency="USD")` and never touch
prometheus_client or EMF directly, so both outputs always agree.

Multiprocess: prometheus_client decides at import whether values live in memory
or in files under PROMETHEUS_MULTIPROC_DIR (shared by the gunicorn workers and the
Celery worker of one host). The /metrics view merges those files with this
process's own values when this process does not write to the directory itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import cast

# prometheus_client writes to PROMETHEUS_MULTIPROC_DIR as soon as a metric is
# created; a missing directory would stop every process at import.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram, values

from . import emf

logger = logging.getLogger(__name__)

# `_created` series cannot be merged across processes; nothing here needs them.
prometheus_client.disable_created_metrics()

# A registry of our own: the global one carries process collectors that are
# meaningless (and wrong) when summed over processes.
REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def writes_to_multiprocess_dir() -> bool:
    """Whether this process's metric values are written to PROMETHEUS_MULTIPROC_DIR."""
    return values.ValueClass is not values.MutexValue


@dataclass(frozen=True)
class Metric:
    """One metric, exposed to Prometheus and, in EMF mode, to CloudWatch.

    `emf_dimensions` limits which labels become CloudWatch dimensions (each
    distinct combination is a billed custom metric); the other labels still go
    into the EMF line as searchable properties.
    """

    prom: Counter | Histogram
    emf_name: str
    emf_unit: str  # CloudWatch unit: Count, Seconds, Milliseconds
    emf_dimensions: tuple[str, ...] = field(default=())
    emf_scale: float = 1.0  # seconds → milliseconds for latencies
    emf_batch: bool = False  # per-request values: written in batches (emf.batch)

    def record(self, value: float = 1.0, **labels: str) -> None:
        try:
            child = self.prom.labels(**labels) if labels else self.prom
            if isinstance(self.prom, Counter):
                cast(Counter, child).inc(value)
            else:
                cast(Histogram, child).observe(value)
            if emf.enabled():
                write = emf.batch if self.emf_batch else emf.emit
                write(
                    name=self.emf_name,
                    value=round(value * self.emf_scale, 3),
                    unit=self.emf_unit,
                    dimensions={k: labels[k] for k in self.emf_dimensions},
                )
        except Exception:  # metrics must never break the request or task
            logger.exception("could not record metric %s", self.emf_name)


def _counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return Counter(name, doc, labels, registry=REGISTRY)


def _histogram(
    name: str, doc: str, labels: tuple[str, ...], buckets: tuple[float, ...]
) -> Histogram:
    return Histogram(name, doc, labels, registry=REGISTRY, buckets=buckets)


# --- business ------------------------------------------------------------------
ORDERS_PLACED = Metric(
    _counter("securecart_orders_placed", "Orders placed (committed).", ("currency",)),
    "OrdersPlaced",
    "Count",
)
PAYMENT_DECLINES = Metric(
    _counter("securecart_payment_declines", "Payments that ended failed/declined."),
    "PaymentDeclines",
    "Count",
)
FRAUD_HOLDS = Metric(
    _counter("securecart_fraud_holds", "Orders put on hold for fraud review."),
    "FraudHolds",
    "Count",
)
DOMAIN_EVENTS = Metric(
    _counter("securecart_domain_events", "Outbox events recorded, by type.", ("type",)),
    "DomainEvents",
    "Count",
    ("type",),
)
NOTIFICATION_FAILURES = Metric(
    _counter(
        "securecart_notification_failures",
        "Notifications that ended failed, by channel.",
        ("channel",),
    ),
    "NotificationFailures",
    "Count",
    ("channel",),
)

# --- web -----------------------------------------------------------------------
HTTP_LATENCY = Metric(
    _histogram(
        "securecart_http_request_duration_seconds",
        "Request latency by route pattern, method and status class.",
        ("route", "method", "status"),
        LATENCY_BUCKETS,
    ),
    "RequestLatency",
    "Milliseconds",
    ("route",),
    1000.0,
    emf_batch=True,
)
CHECKOUT_LATENCY = Metric(
    _histogram(
        "securecart_checkout_duration_seconds",
        "Latency of the checkout routes (form and API), by status class.",
        ("route", "status"),
        LATENCY_BUCKETS,
    ),
    "CheckoutLatency",
    "Milliseconds",
    (),
    1000.0,
    emf_batch=True,
)

# --- tasks ---------------------------------------------------------------------
TASK_DURATION = Metric(
    _histogram(
        "securecart_task_duration_seconds",
        "Celery task run time, by task name and final state.",
        ("task", "state"),
        TASK_BUCKETS,
    ),
    "TaskDuration",
    "Milliseconds",
    ("task",),
    1000.0,
)
TASK_FAILURES = Metric(
    _counter(
        "securecart_task_failures",
        "Celery task runs that raised, by task name and exception class.",
        ("task", "exception"),
    ),
    "TaskFailures",
    "Count",
    ("task",),
)
TASK_RETRIES = Metric(
    _counter(
        "securecart_task_retries", "Celery task retries, by task name.", ("task",)
    ),
    "TaskRetries",
    "Count",
    ("task",),
)

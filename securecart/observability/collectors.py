"""Gauges computed when /metrics is scraped (and read by the staff dashboard).

Queue depth comes from SQS itself and the cache hit ratio from Redis INFO: values
no single process could count. Apps add gauges of their own (the outbox lag of
notifications) and queues of their own through securecart/registry.py. A source
that fails is reported as `securecart_scrape_error{source=…} 1`, never as a 500.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from securecart import registry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueDepth:
    name: str  # messaging.json key, e.g. "fulfilment"
    full_name: str  # prefix + name
    visible: int | None  # None: queue missing or unreadable
    in_flight: int | None
    dlq_visible: int | None
    error: str = ""


def queue_names() -> list[str]:
    """Every SQS queue in use (Celery's, then the apps'), without prefix."""
    celery_queues = list(settings.MESSAGING["celery_queues"])
    return [
        *celery_queues,
        *(name for name in registry.queue_names() if name not in celery_queues),
    ]


def sqs_enabled() -> bool:
    return settings.CELERY_BROKER_URL.startswith("sqs://")


_queue_cache: dict[str, tuple[float, list[QueueDepth]]] = {}
_queue_lock = threading.Lock()


def _attributes(sqs, full_name: str) -> dict[str, str]:
    url = sqs.get_queue_url(QueueName=full_name)["QueueUrl"]
    return sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )["Attributes"]


def queue_depths(*, max_age: float | None = None) -> list[QueueDepth]:
    """Return depth and DLQ depth of every queue; [] when the broker is not SQS.

    Results are kept per process for `max_age` seconds (METRICS_QUEUE_CACHE_SECONDS)
    so that frequent scrapes do not turn into a storm of SQS calls.
    """
    if not sqs_enabled():
        return []
    max_age = settings.METRICS_QUEUE_CACHE_SECONDS if max_age is None else max_age
    prefix = settings.SQS_QUEUE_PREFIX
    key = f"{settings.AWS_ENDPOINT_URL}|{prefix}"
    with _queue_lock:
        cached = _queue_cache.get(key)
        if cached and time.monotonic() - cached[0] < max_age:
            return cached[1]
    from securecart.aws import client

    sqs = client("sqs")
    suffix = settings.MESSAGING.get("dlq_suffix", "-dlq")
    depths = []
    for name in queue_names():
        full_name = f"{prefix}{name}"
        visible = in_flight = dlq = None
        errors = []
        try:
            attrs = _attributes(sqs, full_name)
            visible = int(attrs["ApproximateNumberOfMessages"])
            in_flight = int(attrs["ApproximateNumberOfMessagesNotVisible"])
        except Exception as exc:
            errors.append(f"{full_name}: {type(exc).__name__}")
        try:
            dlq = int(
                _attributes(sqs, full_name + suffix)["ApproximateNumberOfMessages"]
            )
        except Exception as exc:
            errors.append(f"{full_name}{suffix}: {type(exc).__name__}")
        depths.append(
            QueueDepth(name, full_name, visible, in_flight, dlq, "; ".join(errors))
        )
    with _queue_lock:
        _queue_cache[key] = (time.monotonic(), depths)
    return depths


def clear_queue_cache() -> None:
    with _queue_lock:
        _queue_cache.clear()


def redis_keyspace_stats() -> tuple[int, int] | None:
    """(keyspace_hits, keyspace_misses) of the cache's Redis; None if not Redis."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.startswith("django_redis"):
        return None
    from django_redis import get_redis_connection

    info = get_redis_connection("default").info("stats")
    return int(info["keyspace_hits"]), int(info["keyspace_misses"])


class OperationsCollector(Collector):
    """Prometheus collector for the scrape-time gauges above."""

    def collect(self) -> Iterator:
        errors = GaugeMetricFamily(
            "securecart_scrape_error",
            "1 when a scrape-time source could not be read.",
            labels=["source"],
        )
        sources: list[tuple[str, Callable[[], Iterator]]] = [
            *(
                (source.name, partial(self._gauges, source))
                for source in registry.metrics_sources()
            ),
            ("queues", self._queues),
            ("cache", self._cache),
        ]
        for source, produce in sources:
            try:
                yield from produce()
            except Exception as exc:
                logger.warning("metrics source %s failed: %s", source, exc)
                errors.add_metric([source], 1)
        yield errors

    def _gauges(self, source: registry.MetricsSource) -> Iterator:
        families = []
        for gauge in source.read():
            family = GaugeMetricFamily(gauge.name, gauge.documentation)
            family.add_metric([], gauge.value)
            families.append(family)
        return iter(families)

    def _queues(self) -> Iterator:
        depths = queue_depths()
        visible = GaugeMetricFamily(
            "securecart_queue_depth",
            "SQS ApproximateNumberOfMessages per queue.",
            labels=["queue"],
        )
        in_flight = GaugeMetricFamily(
            "securecart_queue_in_flight",
            "SQS ApproximateNumberOfMessagesNotVisible per queue.",
            labels=["queue"],
        )
        dlq = GaugeMetricFamily(
            "securecart_dlq_depth",
            "Messages in the queue's dead-letter queue.",
            labels=["queue"],
        )
        missing = GaugeMetricFamily(
            "securecart_queue_unreadable",
            "1 when a queue or its DLQ could not be read (missing, no access).",
            labels=["queue"],
        )
        for depth in depths:
            if depth.visible is not None:
                visible.add_metric([depth.name], depth.visible)
            if depth.in_flight is not None:
                in_flight.add_metric([depth.name], depth.in_flight)
            if depth.dlq_visible is not None:
                dlq.add_metric([depth.name], depth.dlq_visible)
            missing.add_metric([depth.name], 1 if depth.error else 0)
        return iter([visible, in_flight, dlq, missing])

    def _cache(self) -> Iterator:
        stats = redis_keyspace_stats()
        if stats is None:
            return iter([])
        hits, misses = stats
        ratio = GaugeMetricFamily(
            "securecart_cache_hit_ratio",
            "Redis keyspace hits / (hits + misses) since the server started.",
        )
        ratio.add_metric([], hits / (hits + misses) if hits + misses else 0.0)
        hit_total = CounterMetricFamily(
            "securecart_cache_keyspace_hits", "Redis keyspace_hits (INFO stats)."
        )
        hit_total.add_metric([], hits)
        miss_total = CounterMetricFamily(
            "securecart_cache_keyspace_misses", "Redis keyspace_misses (INFO stats)."
        )
        miss_total.add_metric([], misses)
        return iter([ratio, hit_total, miss_total])


def gauges_emit() -> int:
    """Write the scrape-time gauges as EMF lines; return how many were written.

    CloudWatch has no scraper: in AWS (SECURECART_METRICS_FORMAT=emf) a beat task
    calls this every METRICS_GAUGES_SECONDS. Only gauges with a CloudWatch name
    are written. Queue depths are left out on purpose: SQS publishes them to
    CloudWatch itself (AWS/SQS namespace).
    """
    from . import emf

    if not emf.enabled():
        return 0
    # One alarm per environment: staging's and production's series never mix.
    environment = settings.SECURECART_ENVIRONMENT
    dimensions = {"Environment": environment} if environment else {}
    written = 0
    for source in registry.metrics_sources():
        for gauge in source.read():
            if gauge.cloudwatch is None:
                continue
            name, value, unit = gauge.cloudwatch
            emf.emit(name=name, value=value, unit=unit, dimensions=dimensions)
            written += 1
    stats = redis_keyspace_stats()
    if stats is not None and (stats[0] or stats[1]):
        hits, misses = stats
        emf.emit(
            name="CacheHitRatio",
            value=round(100 * hits / (hits + misses), 2),
            unit="Percent",
            dimensions=dimensions,
        )
        written += 1
    return written

"""Project-level tasks: a worker heartbeat and diagnostics used by health
checks, `manage.py doctor` and tests."""

import logging

from celery import shared_task
from django.core.cache import cache

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker-heartbeat:{token}"


class DiagnosticFailure(RuntimeError):
    """Raised on purpose by diagnostic_fail_task."""


@shared_task(name="securecart.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task(token: str) -> None:
    """Record that a worker consumed this message, under the given token."""
    # Logged so an operator (and the tracing test) can see which request's id
    # and trace reached the worker.
    logger.info("worker heartbeat %s", token)
    cache.set(HEARTBEAT_KEY.format(token=token), "ok", timeout=300)


@shared_task(name="securecart.diagnostic_fail_task", ignore_result=True)
def diagnostic_fail_task(reason: str = "diagnostic") -> None:
    """Fail on purpose, once: proves task-failure metrics and alarms are wired.

    No retries: one message, one failure, one count (`manage.py doctor
    --fail-task` sends it).
    """
    logger.warning("diagnostic task failing on purpose: %s", reason)
    raise DiagnosticFailure(f"diagnostic failure: {reason}")


@shared_task(name="securecart.metrics_gauges_task", ignore_result=True)
def metrics_gauges_task() -> None:
    """Emit outbox lag and cache hit ratio as CloudWatch EMF (a no-op otherwise)."""
    from securecart.observability.collectors import gauges_emit

    gauges_emit()

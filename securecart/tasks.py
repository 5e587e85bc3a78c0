"""Project-level tasks: a worker heartbeat used by health checks and tests."""

from celery import shared_task
from django.core.cache import cache

HEARTBEAT_KEY = "worker-heartbeat:{token}"


@shared_task(name="securecart.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task(token: str) -> None:
    """Record that a worker consumed this message, under the given token."""
    cache.set(HEARTBEAT_KEY.format(token=token), "ok", timeout=300)

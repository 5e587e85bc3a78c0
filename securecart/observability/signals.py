"""Signal handlers that feed the metrics and carry the request id into tasks.

Integration is through signals, on models the apps name from their
AppConfig.ready() (securecart/registry.py), so the platform imports no app:
- the outbox model's post_save: business counters (orders placed, fraud holds,
  events), registered by notifications;
- status changes to `failed` on payments and notification logs: declines,
  failed sends, registered by orders and notifications with their counter;
- Celery publish/prerun/postrun/failure/retry: task metrics and the request id.
Counters are bumped on commit, so a rolled-back checkout counts nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import Token
from typing import Any

from celery import signals as celery_signals
from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_init, post_save

from securecart.request_context import request_id_var

from . import metrics

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "request_id"
_STATUS_AT_LOAD = "_observability_status_at_load"


# --- business events ------------------------------------------------------------
def _count_event(event_type: str, data: dict[str, Any]) -> None:
    metrics.DOMAIN_EVENTS.record(type=event_type)
    if event_type == "order.placed":
        currency = str(data.get("currency") or settings.STORE_CURRENCY)
        metrics.ORDERS_PLACED.record(currency=currency)
    elif event_type == "order.on_hold":
        metrics.FRAUD_HOLDS.record()


def outbox_event_saved(
    sender: type, instance: Any, created: bool, **kwargs: Any
) -> None:
    if not created or kwargs.get("raw"):
        return
    event_type, data = instance.type, dict(instance.data or {})
    # The event id ties this request's log lines to what the relay publishes.
    logger.info(
        "domain event recorded",
        extra={"event_id": str(instance.id), "event_type": event_type},
    )
    transaction.on_commit(
        lambda: _count_event(event_type, data), using=kwargs.get("using")
    )


def _remember_status(sender: type, instance: Any, **kwargs: Any) -> None:
    instance.__dict__[_STATUS_AT_LOAD] = instance.__dict__.get("status")


def _became_failed(instance: Any, created: bool) -> bool:
    """Whether this save moved the row to `failed` (not a re-save of a failed row)."""
    before = None if created else instance.__dict__.get(_STATUS_AT_LOAD)
    # Via __dict__: a deferred (not loaded) status was not changed, and reading
    # the attribute would cost a query.
    status = instance.__dict__.get("status")
    instance.__dict__[_STATUS_AT_LOAD] = status
    return status == "failed" and before != "failed"


def _failure_handler(on_failed: Callable[[Any], None]) -> Callable[..., None]:
    def saved(
        sender: type, instance: Any, created: bool = False, **kwargs: Any
    ) -> None:
        if not kwargs.get("raw") and _became_failed(instance, created):
            transaction.on_commit(
                lambda: on_failed(instance), using=kwargs.get("using")
            )

    return saved


def domain_events_observe(*, model: type[Model]) -> None:
    """Count the business events written to this outbox model."""
    label = model._meta.label
    post_save.connect(
        outbox_event_saved, sender=model, dispatch_uid=f"obs-outbox-{label}"
    )


def failures_observe(*, model: type[Model], on_failed: Callable[[Any], None]) -> None:
    """Call `on_failed(row)` on commit when a row of `model` becomes `failed`."""
    label = model._meta.label
    post_init.connect(_remember_status, sender=model, dispatch_uid=f"obs-init-{label}")
    post_save.connect(
        _failure_handler(on_failed),
        sender=model,
        dispatch_uid=f"obs-save-{label}",
        weak=False,
    )


# --- Celery --------------------------------------------------------------------
_running: dict[str, tuple[float, Token | None]] = {}


def task_published(headers: dict | None = None, **kwargs: Any) -> None:
    """Stamp the caller's request id onto the task message."""
    request_id = request_id_var.get()
    if headers is not None and request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


def task_started(task_id: str, task: Any = None, **kwargs: Any) -> None:
    token = None
    request = getattr(task, "request", None)
    # Eager tasks run inside the caller, whose request id is already current.
    if request is not None and not getattr(request, "is_eager", False):
        request_id = getattr(request, REQUEST_ID_HEADER, None) or (
            (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
        )
        token = request_id_var.set(request_id)
    _running[task_id] = (time.perf_counter(), token)


def task_finished(
    task_id: str, task: Any = None, state: str | None = None, **kwargs: Any
) -> None:
    started, token = _running.pop(task_id, (None, None))
    if started is not None:
        metrics.TASK_DURATION.record(
            time.perf_counter() - started,
            task=getattr(task, "name", "unknown"),
            state=state or "UNKNOWN",
        )
    if token is not None:
        request_id_var.reset(token)


def task_failed(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    **kwargs: Any,
) -> None:
    metrics.TASK_FAILURES.record(
        task=getattr(sender, "name", "unknown"),
        exception=type(exception).__name__ if exception else "unknown",
    )


def task_retried(sender: Any = None, **kwargs: Any) -> None:
    metrics.TASK_RETRIES.record(task=getattr(sender, "name", "unknown"))


def connect() -> None:
    """Connect the Celery handlers (called once from SecureCartConfig.ready)."""
    celery_signals.before_task_publish.connect(
        task_published, dispatch_uid="obs-publish", weak=False
    )
    celery_signals.task_prerun.connect(
        task_started, dispatch_uid="obs-prerun", weak=False
    )
    celery_signals.task_postrun.connect(
        task_finished, dispatch_uid="obs-postrun", weak=False
    )
    celery_signals.task_failure.connect(
        task_failed, dispatch_uid="obs-failure", weak=False
    )
    celery_signals.task_retry.connect(
        task_retried, dispatch_uid="obs-retry", weak=False
    )

"""What the apps contribute to the platform's health, doctor and metrics.

The platform package imports no app. An app that owns something worth checking
or measuring registers it here from its ``AppConfig.ready()``; ``/readyz``,
``manage.py doctor``, ``/metrics`` (and its EMF twin) and the business counters
read these registries at run time:

- ``register_readiness_check``: one more ``/readyz`` check (required or not);
- ``register_doctor_check``: one more ``manage.py doctor`` row, skipped with a
  reason when this deployment does not configure the dependency;
- ``register_queues``: SQS queues the app consumes besides Celery's own (their
  depth and dead-letter depth appear on ``/metrics``, the dashboard and doctor);
- ``register_metrics_source``: scrape-time gauges (and their CloudWatch names);
- ``register_domain_events`` / ``register_failure_counter``: models whose rows
  feed the business counters (see securecart/observability/signals.py).

Registering a name twice replaces the first registration, so a ``ready()`` that
runs again does not double a check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from securecart.observability import signals


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str = ""


Check = Callable[[], CheckResult]


@dataclass(frozen=True)
class ReadinessCheck:
    name: str
    check: Check
    required: bool


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    check: Check
    # Returns why the dependency is not configured here ("" when it is).
    skip_reason: Callable[[], str] | None = None


@dataclass(frozen=True)
class Gauge:
    """One scrape-time value; `cloudwatch` is (name, value, unit) for EMF, if any."""

    name: str
    documentation: str
    value: float
    cloudwatch: tuple[str, float, str] | None = None


@dataclass(frozen=True)
class MetricsSource:
    name: str  # the `source` label of securecart_scrape_error
    read: Callable[[], Iterable[Gauge]]


_readiness: dict[str, ReadinessCheck] = {}
_doctor: dict[str, DoctorCheck] = {}
_queues: dict[str, Callable[[], Iterable[str]]] = {}
_metrics: dict[str, MetricsSource] = {}


def register_readiness_check(*, name: str, check: Check, required: bool) -> None:
    """Add a /readyz check; a failing required check answers 503."""
    _readiness[name] = ReadinessCheck(name=name, check=check, required=required)


def register_doctor_check(
    *, name: str, check: Check, skip_reason: Callable[[], str] | None = None
) -> None:
    """Add a `manage.py doctor` row (after the platform's messaging checks)."""
    _doctor[name] = DoctorCheck(name=name, check=check, skip_reason=skip_reason)


def register_queues(*, owner: str, names: Callable[[], Iterable[str]]) -> None:
    """Declare the SQS queues (keys without prefix) that `owner` consumes."""
    _queues[owner] = names


def register_metrics_source(*, name: str, read: Callable[[], Iterable[Gauge]]) -> None:
    """Add gauges read at scrape time; a source that raises is reported, not fatal."""
    _metrics[name] = MetricsSource(name=name, read=read)


def register_domain_events(*, model: type[Model]) -> None:
    """Count business events (orders placed, fraud holds …) from this outbox model.

    Rows need `type` and `data`; each one created counts once its transaction
    commits.
    """
    signals.domain_events_observe(model=model)


def register_failure_counter(
    *, model: type[Model], on_failed: Callable[[Any], None]
) -> None:
    """Call `on_failed(row)` after commit whenever a row's status becomes "failed"."""
    signals.failures_observe(model=model, on_failed=on_failed)


def readiness_checks() -> list[ReadinessCheck]:
    return list(_readiness.values())


def doctor_checks() -> list[DoctorCheck]:
    return list(_doctor.values())


def queue_names() -> list[str]:
    """Every registered app queue, in registration order, without duplicates."""
    names: list[str] = []
    for provide in _queues.values():
        names.extend(name for name in provide() if name not in names)
    return names


def metrics_sources() -> list[MetricsSource]:
    return list(_metrics.values())

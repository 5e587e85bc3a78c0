"""Primary/replica database routing.

Writes and migrations go to the primary ("default"). Reads go to a healthy read
replica (settings.REPLICA_DATABASES) only where stale data cannot hurt:

- only inside a routing context: a web request (securecart.replica's middleware
  opens one) or an explicit opt-in (`replica_reads()`, a task declared with
  `replica_reads=True`). Celery tasks, management commands and shells read the
  primary, because they usually act on what was just written;
- not once the context wrote (read your own writes), nor while a request carries
  the `replica_pin` cookie of a recent write (the middleware sets it);
- not inside a transaction on the primary (`atomic()`; `select_for_update()` is
  routed as a write by Django itself);
- not to a replica whose last health probe failed: each process probes a replica
  with a fresh connection at most every REPLICA_HEALTH_CACHE_SECONDS and, when no
  replica is healthy, reads the primary and logs a warning.

Every decision and its reason is logged at DEBUG on this module's logger.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS


@dataclass
class RoutingState:
    """What the router may do for reads in the current request or task."""

    replica_reads: bool = True
    pinned: bool = False
    reason: str = ""
    wrote: bool = False
    replica: str | None = None  # the replica this context reads from, kept sticky
    retried: bool = False  # a safe request already retried on the primary
    replicas_used: set[str] = field(default_factory=set)


_state: ContextVar[RoutingState | None] = ContextVar("db_routing_state", default=None)


@contextmanager
def routing_context(
    *, replica_reads: bool = True, pinned: bool = False, reason: str = ""
) -> Iterator[RoutingState]:
    """Open a routing context in which reads may go to a replica."""
    state = RoutingState(replica_reads=replica_reads, pinned=pinned, reason=reason)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def replica_reads() -> Any:
    """Opt a task or script in to replica reads (until it writes)."""
    return routing_context(replica_reads=True, reason="opted in")


def mark_wrote() -> None:
    state = _state.get()
    if state is not None and not state.wrote:
        state.wrote = True
        state.pinned = True
        state.reason = "this context wrote (read your writes)"


# --- replica health, cached per process -------------------------------------
@dataclass(frozen=True)
class Verdict:
    healthy: bool
    detail: str
    checked_at: float


_verdicts: dict[str, Verdict] = {}
_probe_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
_last_fallback_warning = 0.0


def _probe(alias: str) -> Verdict:
    """Open a fresh connection and run SELECT 1, bounded by a short timeout.

    A fresh connection rather than the pooled one: the pool would wait its full
    timeout for a dead server, and a stale pooled socket would hide an outage.
    """
    timeout = settings.REPLICA_HEALTH_TIMEOUT_SECONDS
    conn = connections[alias]
    started = time.monotonic()
    try:
        if conn.vendor == "postgresql":
            import psycopg

            params = conn.get_connection_params()
            params["connect_timeout"] = max(2, int(timeout))  # libpq's minimum is 2
            with psycopg.connect(**params) as raw:
                raw.execute("SELECT 1")
        else:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "do not read from it"
        detail = f"{type(exc).__name__}: {exc}".strip()[:200]
        logger.warning("replica %s failed its health probe: %s", alias, detail)
        return Verdict(False, detail, time.monotonic())
    elapsed_ms = (time.monotonic() - started) * 1000
    return Verdict(True, f"probe {elapsed_ms:.1f} ms", time.monotonic())


def replica_verdict(alias: str, *, refresh: bool = False) -> Verdict:
    """Return the cached health verdict of a replica, probing when it is stale."""
    verdict = _verdicts.get(alias)
    max_age = settings.REPLICA_HEALTH_CACHE_SECONDS
    if not refresh and verdict and time.monotonic() - verdict.checked_at < max_age:
        return verdict
    with _locks_guard:
        lock = _probe_locks.setdefault(alias, threading.Lock())
    # One probe per replica per process at a time; others keep the stale verdict.
    if not lock.acquire(blocking=verdict is None):
        return verdict  # type: ignore[return-value]
    try:
        verdict = _probe(alias)
        _verdicts[alias] = verdict
        return verdict
    finally:
        lock.release()


def mark_replica_unhealthy(alias: str, detail: str) -> None:
    _verdicts[alias] = Verdict(False, detail[:200], time.monotonic())


def reset_replica_health() -> None:
    """Forget every cached verdict (tests, or after a failover)."""
    _verdicts.clear()


def _healthy_replica(state: RoutingState) -> tuple[str | None, str]:
    replicas = list(settings.REPLICA_DATABASES)
    if state.replica in replicas and replica_verdict(state.replica).healthy:
        return state.replica, f"replica {state.replica} already serves this context"
    healthy = [alias for alias in replicas if replica_verdict(alias).healthy]
    if not healthy:
        return None, "no healthy replica"
    alias = random.choice(healthy)  # noqa: S311 (load spreading, not security)
    return alias, f"chose {alias} among healthy {','.join(healthy)}"


def _warn_fallback() -> None:
    global _last_fallback_warning
    now = time.monotonic()
    if now - _last_fallback_warning >= settings.REPLICA_HEALTH_CACHE_SECONDS:
        _last_fallback_warning = now
        logger.warning(
            "no healthy read replica among %s: reading from the primary",
            ",".join(settings.REPLICA_DATABASES),
        )


def choose_read_database(model: Any = None) -> tuple[str | None, str]:
    """Return (alias or None for "no opinion", reason) for a read."""
    if not settings.REPLICA_ROUTING_ENABLED:
        return None, "replica routing disabled"
    if not settings.REPLICA_DATABASES:
        return None, "no replica configured"
    state = _state.get()
    if state is None:
        return PRIMARY, "outside a request or opted-in task"
    if not state.replica_reads:
        return PRIMARY, state.reason or "replica reads off here"
    if state.pinned:
        return PRIMARY, state.reason or "pinned to the primary"
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY, "inside a transaction on the primary"
    alias, reason = _healthy_replica(state)
    if alias is None:
        _warn_fallback()
        return PRIMARY, reason
    state.replica = alias
    state.replicas_used.add(alias)
    return alias, reason


class PrimaryReplicaRouter:
    """Django database router: see the module docstring for the rules."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias, reason = choose_read_database(model)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "read %s -> %s (%s)",
                model._meta.label,
                alias or "no opinion",
                reason,
                extra={"db_alias": alias, "db_reason": reason},
            )
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Explicit, not None: Django would otherwise write an instance back to the
        # replica it was read from.
        mark_wrote()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("write %s -> %s", model._meta.label, PRIMARY)
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Replicas hold the primary's data: objects from either may be related.
        same_data = {PRIMARY, *settings.REPLICA_DATABASES}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if db in settings.REPLICA_DATABASES:
            return False  # read-only standbys receive the schema by replication
        return None


# --- Celery: tasks read the primary unless declared with replica_reads=True ----
_task_tokens: dict[str, Any] = {}


@task_prerun.connect
def _task_routing_start(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    opted_in = bool(getattr(task, "replica_reads", False))
    state = RoutingState(
        replica_reads=opted_in,
        reason="task opted in" if opted_in else "celery task reads the primary",
    )
    if task_id is not None:
        _task_tokens[task_id] = _state.set(state)


@task_postrun.connect
def _task_routing_end(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(task_id, None) if task_id is not None else None
    if token is not None:
        _state.reset(token)

"""A circuit breaker in front of Redis: a failing or hung Redis costs one timeout,
then is skipped for a few seconds.

Redis holds the cache, session copies and throttle counters, and every one of
them is optional (IGNORE_EXCEPTIONS: misses, sessions from the database,
throttles open). But a *hung* Redis (connections accepted, never answered) costs
each call its full socket timeout, several per page: seconds per request. Here
the first failing call opens the circuit for CACHE_CIRCUIT_OPEN_SECONDS; while it
is open every cache call fails at once with ConnectionInterrupted (a miss to
django-redis, no network at all); after that one call is let through to probe,
and its success closes the circuit (its failure opens it again).

The state is per process (one breaker for every Redis connection of it), so
each worker pays at most one timeout per open period.

Use:
- settings: django-redis `OPTIONS["CLIENT_CLASS"] = CLIENT_CLASS` (base.py does);
- code that talks to Redis through a raw client (`get_client()`, pipelines)
  should check `is_open()` first and call `record_failure()` when a call fails;
  `get_client()` itself already refuses while the circuit is open.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

CLIENT_CLASS = "securecart.cache_circuit.CircuitBreakerClient"
_REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class CircuitOpen(ConnectionInterrupted):
    """Raised instead of calling Redis while the circuit is open."""

    def __init__(self) -> None:
        super().__init__(connection=None)

    def __str__(self) -> str:
        return "Redis circuit open: call skipped"


class CircuitBreaker:
    """Closed → (a failure) → open for `open_seconds` → one probe → closed/open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._probing = False
        # Counters for tests and /metrics-style introspection.
        self.trips = 0
        self.skipped = 0

    @property
    def open_seconds(self) -> float:
        return float(getattr(settings, "CACHE_CIRCUIT_OPEN_SECONDS", 5))

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def allow(self) -> bool:
        """May a call go to Redis now? After the open period, one probe at a time."""
        if self._open_until == 0.0:
            return True
        with self._lock:
            if time.monotonic() < self._open_until or self._probing:
                self.skipped += 1
                return False
            self._probing = True
            return True

    def record_success(self) -> None:
        if self._open_until == 0.0:
            return
        with self._lock:
            closed = self._probing
            if closed:
                self._probing = False
                self._open_until = 0.0
        if closed:
            logger.warning("redis circuit closed: Redis answers again")
            for callback in list(_on_close):
                try:
                    callback()
                except Exception:  # a hook must not fail the call that closed it
                    logger.exception("redis circuit: on-close hook failed")

    def record_failure(self) -> None:
        with self._lock:
            self._probing = False
            self._open_until = time.monotonic() + self.open_seconds
            self.trips += 1
        logger.warning(
            "redis circuit open for %.1f s: a Redis call failed", self.open_seconds
        )

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._probing = False
            self.trips = 0
            self.skipped = 0


# Called once each time this process's circuit closes (Redis answers again): what
# was skipped meanwhile, e.g. a cache invalidation, can be made good. Apps register
# from their AppConfig.ready() (the platform knows no app).
_on_close: list[Callable[[], None]] = []


def on_close_register(callback: Callable[[], None]) -> None:
    if callback not in _on_close:
        _on_close.append(callback)


BREAKER = CircuitBreaker()


def is_open() -> bool:
    return BREAKER.is_open()


def record_failure() -> None:
    BREAKER.record_failure()


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: DefaultClient, *args: Any, **kwargs: Any) -> Any:
        if not BREAKER.allow():
            raise CircuitOpen()
        try:
            result = method(self, *args, **kwargs)
        except CircuitOpen:
            raise
        except ConnectionInterrupted:
            BREAKER.record_failure()
            raise
        except _REDIS_ERRORS as error:
            BREAKER.record_failure()
            raise ConnectionInterrupted(connection=None) from error
        BREAKER.record_success()
        return result

    return call


# Every DefaultClient method that talks to Redis (the ones RedisCache exposes).
_GUARDED = (
    "set",
    "add",
    "get",
    "get_many",
    "set_many",
    "delete",
    "delete_many",
    "delete_pattern",
    "clear",
    "incr",
    "decr",
    "incr_version",
    "ttl",
    "pttl",
    "has_key",
    "touch",
    "expire",
    "pexpire",
    "expire_at",
    "pexpire_at",
    "persist",
    "keys",
    "iter_keys",
    "lock",
)


class CircuitBreakerClient(DefaultClient):
    """django-redis's DefaultClient behind the process's circuit breaker."""

    def get_client(self, *args: Any, **kwargs: Any) -> Any:
        # Raw users (pipelines, INFO, PING) are refused while the circuit is open.
        if BREAKER.is_open():
            BREAKER.skipped += 1
            raise CircuitOpen()
        return super().get_client(*args, **kwargs)


for _name in _GUARDED:
    setattr(CircuitBreakerClient, _name, _guarded(getattr(DefaultClient, _name)))


class DropCircuitOpenRecords(logging.Filter):
    """django-redis logs every ignored error with a traceback; a skipped call is
    not an error (the circuit already logged why it opened)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, CircuitOpen)

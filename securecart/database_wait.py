"""A bound on how long a web request waits for PostgreSQL to answer a query.

The connect timeout and the pool's timeout bound getting a connection. Once a
request holds one, though, a query sent to a server that stopped answering (a
frozen server, a storage stall: the kernel still acknowledges, nothing comes
back) waits with no end: the worker is held until gunicorn kills it (30 s), and
every worker that picks up one of the pool's open connections joins it.

Pooled connections are `BoundedWaitConnection`s (settings.database_config). While
`DatabaseUnavailableMiddleware` serves a request every wait for the server is
bounded by DATABASE_REQUEST_TIMEOUT_SECONDS: past it the connection is closed (the
pool drops it; the server ends the query when it notices) and OperationalError
is raised, which gives the 503 page. A query that is just slow for longer (a
long lock wait) gets the same answer. Celery tasks and management commands run
outside any request: never bounded here.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import errors

from .pg_types import register_fast_timestamps

_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "database_wait_limit", default=None
)
# psycopg's own "wait timeout expired" (an OperationalError subclass).
_WAIT_TIMEOUT: type[Exception] = getattr(
    errors, "_WaitTimeout", errors.OperationalError
)


@contextlib.contextmanager
def bounded_waits(seconds: float | None) -> Iterator[None]:
    """Bound every wait of a BoundedWaitConnection in this context (None or 0: no
    bound)."""
    token = _LIMIT.set(seconds or None)
    try:
        yield
    finally:
        _LIMIT.reset(token)


class BoundedWaitConnection(psycopg.Connection[Any]):
    """A psycopg connection that gives up on a silent server inside
    bounded_waits, and parses timestamps in C (securecart.pg_types)."""

    @classmethod
    def connect(cls, *args: Any, **kwargs: Any) -> BoundedWaitConnection:
        connection = super().connect(*args, **kwargs)
        register_fast_timestamps(connection)
        return connection

    def wait(self, *args: Any, **kwargs: Any) -> Any:
        limit = _LIMIT.get()
        explicit = kwargs.get("timeout") is not None or len(args) > 2
        if limit is None or explicit:  # psycopg's own timed waits stay as they are
            return super().wait(*args, **kwargs)
        try:
            return super().wait(*args, **{**kwargs, "timeout": limit})
        except _WAIT_TIMEOUT as error:
            self.close()  # mid-protocol: never reusable; the pool discards it
            raise errors.OperationalError(
                f"the database did not answer within {limit:g} s"
            ) from error

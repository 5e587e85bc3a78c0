"""Timestamps from PostgreSQL parsed in C.

Django's psycopg backend reads every `timestamptz` with its own loader, a
subclass of psycopg's pure-Python one that parses the text with a regular
expression (about 10 µs a value here): psycopg's C loader cannot be subclassed,
and Django needs its loader to carry the connection's `timezone`. A cart answer
reads half a dozen timestamps, an order page dozens.

`FastTzLoader` gives the same values: PostgreSQL sends ISO text in the
connection's time zone (Django sets the session's TimeZone to it), which
`datetime.fromisoformat` parses in C, and the time zone is replaced by Django's
as Django's loader does. Anything else (infinity, BC dates, another DateStyle or
offset) goes to Django's loader. Registered on each pooled connection
(securecart.database_wait.BoundedWaitConnection) over the loader Django put
there, whose `timezone` it keeps, so Django's own check finds it in place.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo
from typing import Any

import psycopg
from psycopg.pq import Format

_TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid


@functools.cache
def _fast(django_loader: type) -> type:
    """A loader like `django_loader` (Django's, carrying its `timezone`) that
    parses ISO text in C first."""
    zone: tzinfo | None = django_loader.timezone  # type: ignore[attr-defined]
    offset = zone.utcoffset(None) if zone is not None else None

    class FastTzLoader(django_loader):  # type: ignore[valid-type,misc]
        parses_in_c = True

        def load(self, data: Any) -> datetime:
            try:
                value = datetime.fromisoformat(bytes(data).decode())
            except ValueError:
                return super().load(data)
            if offset is None or value.utcoffset() != offset:
                return super().load(data)
            return value.replace(tzinfo=zone)

    return FastTzLoader


def register_fast_timestamps(connection: psycopg.Connection[Any]) -> None:
    """Put the C-parsing loader over Django's on this connection (text format;
    a zone with a varying offset keeps Django's)."""
    current = connection.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)
    zone = getattr(current, "timezone", None)
    if (
        current is None
        or getattr(current, "parses_in_c", False)
        or zone is None
        or _fixed_offset(zone) is None
    ):
        return
    connection.adapters.register_loader("timestamptz", _fast(current))


def _fixed_offset(zone: tzinfo) -> timedelta | None:
    offset = zone.utcoffset(None)
    return offset if isinstance(offset, timedelta) else None

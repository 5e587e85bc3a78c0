"""Timestamps read through the C-parsing loader equal what Django's own loader
gives, for every form PostgreSQL sends, and the pool's connections use it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.utils import DataError
from psycopg.pq import Format

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    "2026-12-01 08:10:22.728357+00",
    "2026-12-01 08:10:22+00",
    "2026-06-30 23:59:59.999999+02",  # sent back in the session's zone (UTC)
    "0099-01-01 00:00:00+00",
    "2000-02-29 12:00:00.5+00",
]


def _read(literals: list[str], *, djangos: bool) -> list:
    with connection.cursor() as cursor:
        if djangos:  # Django's own loader on this cursor only
            register_tzloader(connection.timezone, cursor.cursor)
        placeholders = ", ".join(["%s::timestamptz"] * len(literals))
        cursor.execute(f"SELECT {placeholders}", literals)
        return list(cursor.fetchone())


def test_every_value_is_the_one_djangos_loader_gives():
    ours, djangos = _read(VALUES, djangos=False), _read(VALUES, djangos=True)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [v.tzinfo for v in djangos]
    assert {value.utcoffset().total_seconds() for value in ours} == {0}


@pytest.mark.parametrize("literal", ["infinity", "0044-03-15 12:00:00+00 BC"])
def test_a_value_python_cannot_hold_fails_as_it_does_with_djangos(literal):
    messages = []
    for djangos in (False, True):
        with pytest.raises(DataError) as error:
            _read([literal], djangos=djangos)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_the_pools_connections_parse_in_c():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    assert getattr(loader, "parses_in_c", False)
    assert loader.timezone == connection.timezone  # Django's check finds it in place

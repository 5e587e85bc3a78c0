"""The bench gives the tables it fills planner statistics before measuring, as
autovacuum does in production (a CI PostgreSQL may run without it)."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import flash_sale as fs
from tests.factories.shop import CartLineFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _analysed(table: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL, n_live_tup"
            " FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        )
        return cursor.fetchone()


def test_the_cart_tables_are_vacuumed_and_analysed():
    CartLineFactory.create_batch(3)
    fs.tables_maintain()
    for table in ("shop_cart", "shop_cartline"):
        vacuumed, analysed, rows = _analysed(table)
        assert vacuumed and analysed, table
        assert rows >= 3, table  # the statistics count the rows just written

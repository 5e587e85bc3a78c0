"""Warehouse adapters: book a shipment for an order, get a tracking number.

`get_warehouse()` returns the adapter named by settings.WAREHOUSE_ADAPTER. An
adapter must be idempotent by order number: booking the same order twice (a
redelivered task, a lost response) returns the first booking, never a second
parcel. Transient trouble raises `WarehouseUnavailable` (the task retries);
`WarehouseError` is permanent (the workflow compensates).
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class WarehouseError(Exception):
    """The warehouse refused the shipment."""


class WarehouseUnavailable(WarehouseError):
    """A transient failure: booking again later may succeed."""


@dataclass(frozen=True)
class ShipmentBooking:
    tracking_number: str
    carrier: str
    # False when the warehouse already had this order (a repeated request).
    created: bool


class Warehouse(Protocol):
    def shipment_book(
        self, *, order_number: str, address: dict[str, str], lines: list[dict[str, Any]]
    ) -> ShipmentBooking: ...


# Built-in adapter ledger keys (shared cache: Redis in production-like setups).
_BOOKING_KEY = "warehouse:booking:{number}"
_CALLS_KEY = "warehouse:calls:{number}"
_LEDGER_TTL = 60 * 60 * 24 * 30


class BuiltinWarehouse:
    """A stand-in warehouse that books in the shared cache.

    The tracking number is derived from the order number, and the first booking
    is recorded with an atomic `cache.add`, so repeats are recognised across
    worker processes. Test knobs, read from the environment of the process that
    books (a test worker's extra_env):
    WAREHOUSE_TEST_DELAY_SECONDS (answer slowly, after the booking is made: the
    "response lost" case) and WAREHOUSE_TEST_FAILURE=always (always unavailable).
    """

    carrier = "SecureCart Post"

    def shipment_book(
        self, *, order_number: str, address: dict[str, str], lines: list[dict[str, Any]]
    ) -> ShipmentBooking:
        calls_key = _CALLS_KEY.format(number=order_number)
        cache.add(calls_key, 0, timeout=_LEDGER_TTL)
        calls = cache.incr(calls_key)
        if os.environ.get("WAREHOUSE_TEST_FAILURE") == "always":
            raise WarehouseUnavailable("built-in warehouse: simulated outage")
        digest = hashlib.sha256(order_number.encode()).hexdigest()[:12].upper()
        tracking_number = f"SCP{digest}"
        created = cache.add(
            _BOOKING_KEY.format(number=order_number), tracking_number, _LEDGER_TTL
        )
        logger.info(
            "built-in warehouse booking",
            extra={
                "order_number": order_number,
                "call": calls,
                "new_booking": created,
                "tracking_number": tracking_number,
            },
        )
        delay = float(os.environ.get("WAREHOUSE_TEST_DELAY_SECONDS") or 0)
        if delay > 0:
            time.sleep(delay)
        return ShipmentBooking(
            tracking_number=tracking_number, carrier=self.carrier, created=created
        )


def builtin_warehouse_ledger(*, order_number: str) -> dict[str, Any]:
    """Return what the built-in warehouse knows of an order (for tests/ops)."""
    return {
        "tracking_number": cache.get(_BOOKING_KEY.format(number=order_number)),
        "calls": cache.get(_CALLS_KEY.format(number=order_number)) or 0,
    }


def get_warehouse() -> Warehouse:
    """Return the configured warehouse adapter."""
    return import_string(settings.WAREHOUSE_ADAPTER)()

"""Helpers for the notifications tests: events, messaging on moto, mailboxes."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from django.db import transaction

from notifications.models import OutboxEvent
from notifications.services import event_record

CUSTOMER = {
    "email": "ada@example.com",
    "phone": "+15550102030",
    "sms_opt_in": True,
    "customer_name": "Ada Lovelace",
    "currency": "USD",
    "lines": [
        {
            "name": "Analytical Engine — Brass",
            "sku": "AE-BRASS",
            "quantity": 2,
            "unit_price": "10.00",
            "line_total": "20.00",
        }
    ],
    "subtotal": "20.00",
    "shipping_total": "4.50",
    "tax_total": "0.00",
    "total": "24.50",
}


def record(type: str, number: str = "SC-TEST0001", **data: Any) -> OutboxEvent:
    """Commit one event the way a service would (on-commit hooks run)."""
    with transaction.atomic():
        return event_record(type=type, order_number=number, data={**CUSTOMER, **data})


def envelope(
    type: str = "order.shipped", number: str = "SC-TEST0001", **data: Any
) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type,
        "version": 1,
        "occurred_at": "2026-11-30T12:00:00Z",
        "order_number": number,
        "data": {**CUSTOMER, **data},
    }


def moto_sms(endpoint: str) -> list[dict]:
    """The SMS messages moto's SNS recorded (moto-api/data.json)."""
    with urllib.request.urlopen(
        f"{endpoint}/moto-api/data.json", timeout=10
    ) as response:
        data = json.load(response)
    return data.get("sns", {}).get("SMS", [])

"""The order tracking view: what a shopper's order page and the order API show.

One shape, read either from the database (an `Order` with its lines, discounts and
timeline) or from its projection in DynamoDB (orders.tracking_table), chosen by
ORDER_TRACKING_STORE. Both build it here, with the words of orders.milestones, so
the page reads the same whichever store answered.

The projection keeps the order's static part (lines, totals, address: fixed once
placed) as a JSON summary, and its moving part (status, carrier, milestones) as
data: a milestone is a status and a time, never an internal event message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .milestones import customer_status, milestone_for
from .models import Order, OrderDiscount, OrderEvent, OrderLine

# The order events a projection applies (each carries data.sequence and data.at).
TRACKED_EVENT_TYPES = frozenset(f"order.{status}" for status in Order.Status.values)
# Timeline entries that record a status the order moved into.
STATUS_EVENT_KINDS = (OrderEvent.Kind.PLACED, OrderEvent.Kind.STATUS)


def event_time(moment: datetime) -> str:
    """A timeline time as events and the projection carry it (UTC, ISO 8601)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def token_hash(token: str) -> str:
    """What the projection keeps of an order's access token (never the token)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str | None, hashed: str) -> bool:
    if not isinstance(token, str) or not token or not hashed:
        return False
    return hmac.compare_digest(token_hash(token), hashed)


@dataclass(frozen=True)
class Milestone:
    status: str
    at: datetime

    @property
    def words(self) -> str:
        return milestone_for(self.status) or ""

    def key(self) -> str:
        """The milestone as the projection stores it (a member of a string set)."""
        return json.dumps(
            {"at": event_time(self.at), "status": self.status},
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_key(cls, key: str) -> Milestone:
        data = json.loads(key)
        return cls(status=data["status"], at=parse_time(data["at"]))


def milestone_of(status: str, at: datetime) -> Milestone | None:
    """The milestone for moving into `status` at `at`, or None (hidden from shoppers)."""
    return Milestone(status=status, at=at) if milestone_for(status) else None


def milestones_from_events(events: Iterable[OrderEvent]) -> tuple[Milestone, ...]:
    found = (
        milestone_of(event.to_status, event.created_at)
        for event in events
        if event.kind in STATUS_EVENT_KINDS
    )
    return tuple(sorted((m for m in found if m), key=lambda m: (m.at, m.status)))


@dataclass(frozen=True)
class TrackingLine:
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class TrackingDiscount:
    kind: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class OrderTracking:
    """The customer's view of one order; `source` says which store answered."""

    number: str
    status: str
    placed_at: datetime
    currency: str
    summary: dict[str, Any]
    lines: tuple[TrackingLine, ...]
    discounts: tuple[TrackingDiscount, ...]
    milestones: tuple[Milestone, ...]
    tracking_number: str = ""
    carrier: str = ""
    source: str = "database"
    # The Order it was built from (database reads), for the API's full body.
    order: Order | None = field(default=None, compare=False, repr=False)

    @property
    def status_label(self) -> str:
        return customer_status(self.status)

    def __getattr__(self, name: str) -> Any:
        # Totals, address and shipping method read straight from the summary.
        summary = self.__dict__.get("summary") or {}
        if name in SUMMARY_MONEY:
            return Decimal(summary[name])
        if name in summary:
            return summary[name]
        raise AttributeError(name)


SUMMARY_MONEY = ("subtotal", "shipping_total", "tax_total", "discount_total", "total")
ADDRESS_FIELDS = (
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)


def order_summary(
    order: Order, lines: Iterable[OrderLine], discounts: Iterable[OrderDiscount]
) -> dict[str, Any]:
    """The part of an order fixed once it is placed, as JSON-ready data."""
    return {
        "number": order.number,
        "email": order.email,
        "currency": order.currency,
        "placed_at": event_time(order.placed_at),
        **{name: str(getattr(order, name)) for name in SUMMARY_MONEY},
        "voucher_code": order.voucher_code,
        "prices_include_tax": order.prices_include_tax,
        "shipping_method_code": order.shipping_method.code,
        "shipping_method_name": order.shipping_method.name,
        **{f"shipping_{n}": getattr(order, f"shipping_{n}") for n in ADDRESS_FIELDS},
        "lines": [line_summary(line) for line in lines],
        "discounts": [
            {
                "kind": d.kind,
                "code": d.code,
                "label": d.label,
                "amount": str(d.amount),
                "free_shipping": d.free_shipping,
            }
            for d in discounts
        ],
    }


def line_summary(line: OrderLine) -> dict[str, Any]:
    """An order line as the API and the projection show it."""
    data: dict[str, Any] = {
        "sku": line.sku,
        "product_name": line.product_name,
        "variant_name": line.variant_name,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
        "line_total": str(line.line_total),
    }
    if line.discount_total:
        data["discount_total"] = str(line.discount_total)
    return data


def tracking_build(
    *,
    summary: dict[str, Any],
    status: str,
    milestones: Iterable[Milestone],
    tracking_number: str = "",
    carrier: str = "",
    source: str,
    order: Order | None = None,
) -> OrderTracking:
    return OrderTracking(
        number=summary["number"],
        status=status,
        placed_at=parse_time(summary["placed_at"]),
        currency=summary["currency"],
        summary=summary,
        lines=tuple(
            TrackingLine(
                sku=line["sku"],
                product_name=line["product_name"],
                variant_name=line["variant_name"],
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                line_total=Decimal(line["line_total"]),
            )
            for line in summary["lines"]
        ),
        discounts=tuple(
            TrackingDiscount(
                kind=d["kind"], label=d["label"], amount=Decimal(d["amount"])
            )
            for d in summary["discounts"]
        ),
        milestones=tuple(sorted(milestones, key=lambda m: (m.at, m.status))),
        tracking_number=tracking_number,
        carrier=carrier,
        source=source,
        order=order,
    )


def tracking_from_order(order: Order) -> OrderTracking:
    """The tracking view of an order read from the database (lines, discounts and
    events prefetched by the selector: no queries here)."""
    return tracking_build(
        summary=order_summary(order, order.lines.all(), order.discounts.all()),
        status=order.status,
        milestones=milestones_from_events(order.events.all()),
        tracking_number=order.tracking_number,
        carrier=order.carrier,
        source="database",
        order=order,
    )


def tracking_body(tracking: OrderTracking) -> dict[str, Any]:
    """The customer-facing fields the API returns whichever store answered."""
    return {
        "status_label": tracking.status_label,
        "milestones": [
            {"status": m.status, "label": m.words, "at": event_time(m.at)}
            for m in tracking.milestones
        ],
    }

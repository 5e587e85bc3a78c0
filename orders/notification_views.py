"""What orders exports to notifications: a typed, read-only view of one order.

Notifications reads an order at send time (events carry no customer data beyond
what they need) through `order_notification_view` only: exactly the fields the
emails and SMS use, as plain values, so notifications never touches the Order
model or its columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from securecart.addresses import Address
from securecart.http import site_origin

from .models import Order


@dataclass(frozen=True)
class OrderLineNotificationView:
    name: str  # "Product — Variant", or the product alone
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class OrderNotificationView:
    number: str
    email: str
    phone: str
    sms_opt_in: bool
    customer_name: str
    shipping_address: tuple[str, ...]  # non-empty lines, as printed on a label
    shipping_method: str
    lines: tuple[OrderLineNotificationView, ...]
    currency: str
    subtotal: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    tracking_number: str
    carrier: str
    # (label, amount) per discount line (sales, the voucher); in `total` already.
    discounts: tuple[tuple[str, Decimal], ...] = ()
    # The order's page: a guest's link carries the access token, which the page
    # moves into the session at once (orders.views.order_detail).
    order_url: str = ""


def order_url_for_email(order: Order) -> str:
    """The absolute link to `order`'s page for its emails (SITE_URL)."""
    path = reverse("orders:order_detail", kwargs={"number": order.number})
    if order.user_id is None:
        path = f"{path}?{urlencode({'token': order.access_token})}"
    return f"{site_origin()}{path}"


def order_notification_view(*, number: str) -> OrderNotificationView | None:
    """The order numbered `number` as notifications see it, or None (three
    queries)."""
    if not number:
        return None
    order = (
        Order.objects.filter(number=number)
        .select_related("shipping_method")
        .prefetch_related("lines", "discounts")
        .first()
    )
    if order is None:
        return None
    return OrderNotificationView(
        number=order.number,
        email=order.email,
        phone=order.phone,
        sms_opt_in=order.sms_opt_in,
        customer_name=order.shipping_name,
        shipping_address=tuple(
            Address.from_object(order, prefix="shipping_").as_lines(with_name=False)
        ),
        shipping_method=order.shipping_method.name,
        lines=tuple(
            OrderLineNotificationView(
                name=(
                    f"{line.product_name} — {line.variant_name}"
                    if line.variant_name
                    else line.product_name
                ),
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
            )
            for line in order.lines.all()
        ),
        currency=order.currency,
        subtotal=order.subtotal,
        shipping_total=order.shipping_total,
        tax_total=order.tax_total,
        total=order.total,
        tracking_number=order.tracking_number,
        carrier=order.carrier,
        discounts=tuple((d.label, d.amount) for d in order.discounts.all()),
        order_url=order_url_for_email(order),
    )

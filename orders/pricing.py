"""Shipping and tax arithmetic (pure functions, Decimal, rounded half-up to cents)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import ShippingMethod

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    tax_rate: Decimal
    prices_include_tax: bool


def shipping_price(*, method: ShippingMethod, subtotal: Decimal) -> Decimal:
    if method.free_over is not None and subtotal >= method.free_over:
        return Decimal("0.00")
    return money(method.price)


def totals_compute(
    *,
    subtotal: Decimal,
    method: ShippingMethod,
    tax_rate: Decimal,
    prices_include_tax: bool,
) -> Totals:
    """Totals of an order. Tax applies to goods and shipping alike.

    With tax-inclusive prices the tax is the part of the gross already in the
    prices (gross - gross / (1 + rate)); otherwise it is added on top.
    """
    subtotal = money(subtotal)
    shipping = shipping_price(method=method, subtotal=subtotal)
    taxable = subtotal + shipping
    if prices_include_tax:
        tax = money(taxable - taxable / (1 + tax_rate))
        total = taxable
    else:
        tax = money(taxable * tax_rate)
        total = taxable + tax
    return Totals(
        subtotal=subtotal,
        shipping_total=shipping,
        tax_total=tax,
        total=money(total),
        tax_rate=tax_rate,
        prices_include_tax=prices_include_tax,
    )

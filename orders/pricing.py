"""Shipping and tax arithmetic (pure functions, Decimal, rounded half-up to cents)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from promotions.pricing import CartPricing

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
    # Sales and voucher (promotions.pricing): taken off before shipping and tax.
    discount_total: Decimal = Decimal("0.00")
    pricing: CartPricing | None = None


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
    pricing: CartPricing | None = None,
) -> Totals:
    """Totals of an order. Tax applies to goods and shipping alike.

    With `pricing` (sales and a voucher), its discount comes off the goods first:
    shipping's free-over threshold and the tax see the discounted goods; a
    free-shipping voucher makes shipping zero. The discount is never more than
    the subtotal, so no total goes below zero.

    With tax-inclusive prices the tax is the part of the gross already in the
    prices (gross - gross / (1 + rate)); otherwise it is added on top.
    """
    subtotal = money(subtotal)
    discount = Decimal("0.00")
    if pricing is not None:
        discount = min(money(pricing.discount_total), subtotal)
    goods = subtotal - discount
    shipping = shipping_price(method=method, subtotal=goods)
    if pricing is not None and pricing.free_shipping:
        shipping = Decimal("0.00")
    taxable = goods + shipping
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
        discount_total=discount,
        pricing=pricing,
    )

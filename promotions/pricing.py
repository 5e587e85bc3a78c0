"""Discount arithmetic (pure functions, Decimal): sales, vouchers, allocation.

The rounding rule, the one used everywhere: an amount is rounded half-up to the
cent once, where it is computed — a sale price per unit, a voucher's discount once
on the total it applies to. A discount is then allocated to the lines it applies to
in proportion to their amounts, by the largest-remainder method, so the line
shares add up to the discount exactly and no line gets more than its own amount.

Combination: sales apply first (the lowest sale price wins when several match; sales
never stack); one voucher per order then applies to the amounts after sales. No
discount takes a line below zero or the order below zero: a discount is at most the
amount it applies to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SaleRule:
    """An active sale as the pricing needs it."""

    sale_id: int
    name: str
    kind: str  # "percentage" | "fixed"
    value: Decimal
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()

    def matches(self, *, variant_id: int, product_id: int, category_id: int) -> bool:
        return (
            variant_id in self.variant_ids
            or product_id in self.product_ids
            or category_id in self.category_ids
        )


@dataclass(frozen=True)
class VoucherTerms:
    """What a voucher takes off (its validity is checked elsewhere)."""

    voucher_id: int
    code: str
    kind: str  # "percentage" | "fixed" | "free_shipping"
    value: Decimal
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()

    def applies_to(self, line: PriceLine) -> bool:
        if not (self.product_ids or self.category_ids):
            return True
        return line.product_id in self.product_ids or (
            line.category_id in self.category_ids
        )


@dataclass(frozen=True)
class PriceLine:
    variant_id: int
    product_id: int
    category_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class LinePricing:
    variant_id: int
    quantity: int
    unit_price: Decimal
    sale_unit_price: Decimal | None  # None: no sale on this line
    sale_name: str
    line_total: Decimal  # at unit_price
    sale_discount: Decimal
    voucher_discount: Decimal
    sale_id: int | None = None  # the sale that priced this line (orders record it)

    @property
    def discount_total(self) -> Decimal:
        return self.sale_discount + self.voucher_discount

    @property
    def net_total(self) -> Decimal:
        return self.line_total - self.discount_total


@dataclass(frozen=True)
class CartPricing:
    lines: tuple[LinePricing, ...]
    subtotal: Decimal  # before any discount
    sale_discount: Decimal
    voucher_discount: Decimal
    free_shipping: bool = False
    voucher: VoucherTerms | None = None
    voucher_eligible: Decimal = ZERO  # what the voucher applies to (after sales)
    sale_names: tuple[str, ...] = field(default=())

    @property
    def discount_total(self) -> Decimal:
        return self.sale_discount + self.voucher_discount

    @property
    def net_subtotal(self) -> Decimal:
        """The subtotal after sales, before the voucher (minimum-subtotal rule)."""
        return self.subtotal - self.sale_discount

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total

    def line(self, variant_id: int) -> LinePricing | None:
        return next((ln for ln in self.lines if ln.variant_id == variant_id), None)


def rule_unit_price(*, kind: str, value: Decimal, unit_price: Decimal) -> Decimal:
    """A unit price under one sale rule: never below zero, never above the price."""
    if kind == "percentage":
        reduced = money(unit_price - unit_price * min(value, HUNDRED) / HUNDRED)
    else:
        reduced = unit_price - money(value)
    return min(max(reduced, ZERO), unit_price)


def sale_offer(
    *,
    rules: Iterable[SaleRule],
    variant_id: int,
    product_id: int,
    category_id: int,
    unit_price: Decimal,
) -> tuple[Decimal, SaleRule] | None:
    """The lowest price any matching rule gives and that rule, or None."""
    best: tuple[Decimal, SaleRule] | None = None
    for rule in rules:
        if not rule.matches(
            variant_id=variant_id, product_id=product_id, category_id=category_id
        ):
            continue
        price = rule_unit_price(kind=rule.kind, value=rule.value, unit_price=unit_price)
        if best is None or price < best[0]:
            best = (price, rule)
    if best is None or best[0] >= unit_price:
        return None
    return best


def sale_unit_price(
    *,
    rules: Iterable[SaleRule],
    variant_id: int,
    product_id: int,
    category_id: int,
    unit_price: Decimal,
) -> tuple[Decimal, str] | None:
    """The lowest price any matching rule gives (and its sale's name), or None."""
    offer = sale_offer(
        rules=rules,
        variant_id=variant_id,
        product_id=product_id,
        category_id=category_id,
        unit_price=unit_price,
    )
    return None if offer is None else (offer[0], offer[1].name)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` (cents, 0 <= amount <= sum(weights)) over weights in
    proportion, by largest remainder: the shares sum to `amount` exactly and
    none exceeds its weight."""
    total = sum(weights, ZERO)
    if amount <= 0 or total <= 0:
        return [ZERO for _ in weights]
    amount = min(amount, total)
    exact = [amount * weight / total for weight in weights]
    shares = [value.quantize(CENT, rounding=ROUND_DOWN) for value in exact]
    left = int((amount - sum(shares, ZERO)) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += CENT
    return shares


def voucher_amount(*, terms: VoucherTerms, eligible: Decimal) -> Decimal:
    """The voucher's discount on the amount it applies to (rounded once)."""
    if terms.kind == "percentage":
        amount = money(eligible * min(terms.value, HUNDRED) / HUNDRED)
    elif terms.kind == "fixed":
        amount = money(terms.value)
    else:
        amount = ZERO
    return min(max(amount, ZERO), eligible)


def _after_sales(
    lines: Sequence[PriceLine], rules: Sequence[SaleRule]
) -> list[tuple[Decimal, Decimal | None, SaleRule | None]]:
    """Per line: its amount after sales, the sale unit price (or None), the sale."""
    out: list[tuple[Decimal, Decimal | None, SaleRule | None]] = []
    for line in lines:
        sale = sale_offer(
            rules=rules,
            variant_id=line.variant_id,
            product_id=line.product_id,
            category_id=line.category_id,
            unit_price=line.unit_price,
        )
        if sale is None:
            out.append((money(line.unit_price * line.quantity), None, None))
        else:
            out.append((money(sale[0] * line.quantity), sale[0], sale[1]))
    return out


def cart_price(
    *,
    lines: Sequence[PriceLine],
    rules: Sequence[SaleRule] = (),
    voucher: VoucherTerms | None = None,
) -> CartPricing:
    """Price a cart: sales per unit, then the voucher, allocated to lines."""
    totals = [money(line.unit_price * line.quantity) for line in lines]
    after = _after_sales(lines, rules)
    weights = [
        net if voucher is not None and voucher.applies_to(line) else ZERO
        for line, (net, _, _) in zip(lines, after, strict=True)
    ]
    eligible_total = sum(weights, ZERO)
    amount = voucher_amount(terms=voucher, eligible=eligible_total) if voucher else ZERO
    shares = allocate(amount, weights)
    priced = tuple(
        LinePricing(
            variant_id=line.variant_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            sale_unit_price=sale_price,
            sale_name=rule.name if rule else "",
            line_total=total,
            sale_discount=total - net,
            voucher_discount=share,
            sale_id=rule.sale_id if rule else None,
        )
        for line, total, (net, sale_price, rule), share in zip(
            lines, totals, after, shares, strict=True
        )
    )
    return CartPricing(
        lines=priced,
        subtotal=sum(totals, ZERO),
        sale_discount=sum((p.sale_discount for p in priced), ZERO),
        voucher_discount=sum(shares, ZERO),
        free_shipping=voucher is not None and voucher.kind == "free_shipping",
        voucher=voucher,
        voucher_eligible=eligible_total,
        sale_names=tuple(sorted({p.sale_name for p in priced if p.sale_name})),
    )

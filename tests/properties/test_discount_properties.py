"""Property tests for discount arithmetic (promotions/pricing.py) and totals with
discounts (orders/pricing.py): allocation adds up, nothing goes below zero, no
discount exceeds what it applies to."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders.models import ShippingMethod
from orders.pricing import totals_compute
from promotions.pricing import (
    CENT,
    PriceLine,
    SaleRule,
    VoucherTerms,
    allocate,
    cart_price,
    rule_unit_price,
)

prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999.99"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2)
kinds = st.sampled_from(["percentage", "fixed", "free_shipping"])


@st.composite
def lines(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    return [
        PriceLine(
            variant_id=index + 1,
            product_id=draw(st.integers(min_value=1, max_value=4)),
            category_id=draw(st.integers(min_value=1, max_value=3)),
            quantity=draw(st.integers(min_value=1, max_value=20)),
            unit_price=draw(prices),
        )
        for index in range(count)
    ]


@st.composite
def voucher_terms(draw):
    kind = draw(kinds)
    value = draw(percents if kind == "percentage" else amounts)
    restricted = draw(st.booleans())
    return VoucherTerms(
        voucher_id=1,
        code="CODE",
        kind=kind,
        value=value,
        product_ids=frozenset(draw(st.sets(st.integers(1, 4))))
        if restricted
        else frozenset(),
    )


@st.composite
def sale_rules(draw):
    return [
        SaleRule(
            sale_id=index,
            name=f"sale {index}",
            kind=(kind := draw(st.sampled_from(["percentage", "fixed"]))),
            value=draw(percents if kind == "percentage" else amounts),
            category_ids=frozenset(draw(st.sets(st.integers(1, 3)))),
            variant_ids=frozenset(draw(st.sets(st.integers(1, 8)))),
        )
        for index in range(draw(st.integers(min_value=0, max_value=3)))
    ]


def _cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


@settings(max_examples=400, deadline=None)
@given(
    amount=amounts,
    weights=st.lists(prices, min_size=1, max_size=10),
)
def test_allocation_adds_up_exactly_and_never_exceeds_a_weight(amount, weights):
    amount = min(amount, sum(weights, Decimal("0")))
    shares = allocate(amount, weights)
    assert sum(shares, Decimal("0")) == amount
    assert all(
        Decimal("0") <= share <= weight for share, weight in zip(shares, weights)
    )
    assert all(map(_cents, shares))


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(["percentage", "fixed"]), value=amounts, price=prices)
def test_a_sale_price_is_between_zero_and_the_price(kind, value, price):
    value = min(value, Decimal("100")) if kind == "percentage" else value
    reduced = rule_unit_price(kind=kind, value=value, unit_price=price)
    assert Decimal("0") <= reduced <= price and _cents(reduced)


@settings(max_examples=400, deadline=None)
@given(items=lines(), rules=sale_rules(), voucher=st.one_of(st.none(), voucher_terms()))
def test_discounts_are_allocated_to_lines_and_never_exceed_the_subtotal(
    items, rules, voucher
):
    pricing = cart_price(lines=items, rules=rules, voucher=voucher)
    assert Decimal("0") <= pricing.discount_total <= pricing.subtotal
    assert pricing.total >= 0
    # every cent of discount sits on a line, no line below zero
    assert sum((ln.discount_total for ln in pricing.lines), Decimal("0")) == (
        pricing.discount_total
    )
    assert sum((ln.voucher_discount for ln in pricing.lines), Decimal("0")) == (
        pricing.voucher_discount
    )
    for line in pricing.lines:
        assert Decimal("0") <= line.discount_total <= line.line_total
        assert line.net_total >= 0
    # the voucher never takes more than the amount it applies to
    assert pricing.voucher_discount <= pricing.voucher_eligible
    if voucher is not None and voucher.kind == "percentage":
        exact = pricing.voucher_eligible * voucher.value / 100
        assert abs(pricing.voucher_discount - exact) <= Decimal("0.005")
    assert all(map(_cents, (pricing.discount_total, pricing.voucher_discount)))


@settings(max_examples=300, deadline=None)
@given(
    items=lines(),
    voucher=st.one_of(st.none(), voucher_terms()),
    rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.3"), places=4),
    inclusive=st.booleans(),
    shipping=prices,
)
def test_order_totals_with_discounts_add_up_and_stay_non_negative(
    items, voucher, rate, inclusive, shipping
):
    pricing = cart_price(lines=items, voucher=voucher)
    method = ShippingMethod(code="std", name="Standard", price=shipping, free_over=None)
    totals = totals_compute(
        subtotal=pricing.subtotal,
        method=method,
        tax_rate=rate,
        prices_include_tax=inclusive,
        pricing=pricing,
    )
    goods = totals.subtotal - totals.discount_total
    assert goods >= 0 and totals.total >= 0
    expected = goods + totals.shipping_total + (0 if inclusive else totals.tax_total)
    assert totals.total == expected
    if pricing.free_shipping:
        assert totals.shipping_total == 0

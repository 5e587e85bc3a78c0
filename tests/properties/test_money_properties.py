"""Property tests for money, shipping and tax arithmetic (orders/pricing.py)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orders.models import ShippingMethod
from orders.pricing import CENT, money, shipping_price, totals_compute

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.3"), places=4)
thresholds = st.one_of(st.none(), amounts)


def _method(price: Decimal, free_over: Decimal | None) -> ShippingMethod:
    return ShippingMethod(code="std", name="Standard", price=price, free_over=free_over)


def _is_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


@settings(max_examples=300, deadline=None)
@given(subtotal=amounts, price=amounts, free_over=thresholds, rate=rates)
def test_tax_exclusive_total_is_the_sum_of_its_parts(subtotal, price, free_over, rate):
    totals = totals_compute(
        subtotal=subtotal,
        method=_method(price, free_over),
        tax_rate=rate,
        prices_include_tax=False,
    )
    assert totals.total == totals.subtotal + totals.shipping_total + totals.tax_total
    assert all(map(_is_cents, (totals.total, totals.tax_total, totals.shipping_total)))
    assert totals.tax_total >= 0
    # tax is the rate applied to goods and shipping, to the nearest cent
    exact = (totals.subtotal + totals.shipping_total) * rate
    assert abs(totals.tax_total - exact) <= Decimal("0.005")


@settings(max_examples=300, deadline=None)
@given(subtotal=amounts, price=amounts, free_over=thresholds, rate=rates)
def test_tax_inclusive_total_is_what_the_shopper_saw(subtotal, price, free_over, rate):
    totals = totals_compute(
        subtotal=subtotal,
        method=_method(price, free_over),
        tax_rate=rate,
        prices_include_tax=True,
    )
    # the prices already hold the tax: the total is goods plus shipping
    assert totals.total == totals.subtotal + totals.shipping_total
    assert Decimal("0") <= totals.tax_total <= totals.total
    net = totals.total - totals.tax_total
    assert abs(net * (1 + rate) - totals.total) <= Decimal("0.005") * (1 + rate) + CENT


@settings(max_examples=300, deadline=None)
@given(subtotal=amounts, price=amounts, free_over=amounts)
def test_shipping_is_free_exactly_from_the_threshold(subtotal, price, free_over):
    shipping = shipping_price(method=_method(price, free_over), subtotal=subtotal)
    if subtotal >= free_over:
        assert shipping == Decimal("0.00")
    else:
        assert shipping == money(price)


@given(value=st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=6))
def test_money_rounds_half_up_to_the_cent(value):
    rounded = money(value)
    assert _is_cents(rounded)
    assert abs(rounded - value) <= Decimal("0.005")

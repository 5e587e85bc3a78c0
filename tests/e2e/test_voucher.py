"""A shopper applies a voucher code in the cart, checks out, and sees the discount
on the review step, the confirmation, the order page and in the email."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order
from promotions.models import Voucher
from tests.e2e.test_checkout import _add_to_cart, lamp  # noqa: F401  (fixture)
from tests.factories.promotions import VoucherFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_code_in_the_cart_discounts_the_order_page_and_email(
    page,
    lamp,  # noqa: F811
    mailoutbox,
):
    VoucherFactory(code="WELCOME10", kind="percentage", value=Decimal("10"))
    _add_to_cart(page)

    # a wrong code says why and leaves the field
    page.get_by_label("Voucher code").fill("nope")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("This code is not valid.").is_visible()

    page.get_by_label("Voucher code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/cart/")
    assert page.get_by_text("Code WELCOME10 applied.", exact=True).is_visible()
    assert page.locator("#voucher-code").inner_text() == "WELCOME10"
    assert page.locator("#cart-total-after-discount").inner_text() == "$36.00"

    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Address line 1").fill("1 Compiler Way")
    page.get_by_label("City").fill("Arlington")
    page.get_by_label("State / region").fill("VA")  # a US address needs its state
    page.get_by_label("Postal code").fill("22201")
    country = page.get_by_label("Country")
    if country.evaluate("el => el.tagName") == "SELECT":
        country.select_option("US")
    else:
        country.fill("US")
    page.get_by_role("button", name="Continue to shipping").click()
    page.get_by_label("Standard").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("Visa ending 4242").check()
    page.get_by_role("button", name="Review order").click()
    page.wait_for_url("**/checkout/review/")
    assert page.locator("#review-voucher-discount").inner_text() == "−$4.00"
    assert page.locator("#order-total").inner_text() == "$41.00"  # 40 - 4 + 5
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/checkout/complete/**")
    assert page.get_by_text("Voucher WELCOME10: −$4.00").is_visible()
    number = page.locator("#order-number").inner_text()

    page.get_by_role("link", name="Follow your order").click()
    page.wait_for_url(f"**/orders/{number}/")  # the token link lands on the clean URL
    assert page.get_by_role("row", name="Voucher WELCOME10 −$4.00").is_visible()

    order = Order.objects.get(number=number)
    assert (order.discount_total, order.total) == (Decimal("4.00"), Decimal("41.00"))
    assert Voucher.objects.get(code="WELCOME10").used_count == 1
    email = next(m for m in mailoutbox if number in m.subject)
    assert "Voucher WELCOME10: -4.00 USD" in email.body

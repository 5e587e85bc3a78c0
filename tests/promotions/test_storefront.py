"""The cart page's code field, its messages, and the discount through review,
confirmation, the order page and the confirmation email."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from tests.factories.orders import CatalogVariantFactory
from tests.factories.promotions import VoucherFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def cart_of_two(client):
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=10)
    client.post(f"/p/{variant.product.slug}/", {"sku": variant.sku, "quantity": "2"})
    return variant


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"code": "ELSE"}, "This code is not valid."),
        ({"min_subtotal": Decimal("100")}, "needs a subtotal of at least 100.00"),
        ({"usage_limit": 1, "used_count": 1}, "This code has been used up."),
    ],
)
def test_a_code_that_does_not_apply_says_why(client, cart_of_two, terms, message):
    VoucherFactory(**{"code": "PROMO", **terms})
    body = _text(client.post("/cart/voucher/", {"code": "promo"}, follow=True))
    assert message in body
    assert 'id="voucher-code-input"' in body  # the field is still there


def test_a_code_shows_its_discount_in_the_cart_and_can_be_removed(client, cart_of_two):
    VoucherFactory(code="TEN", value=Decimal("10"))
    body = _text(client.post("/cart/voucher/", {"code": "ten"}, follow=True))
    assert "Code TEN applied." in body
    assert "Voucher TEN" in body and "−$4.00" in body
    assert 'id="cart-total-after-discount">$36.00' in body
    body = _text(client.post("/cart/voucher/remove/", follow=True))
    assert "Voucher code removed." in body and "Voucher TEN" not in body


@pytest.mark.usefixtures("standard_shipping", "no_fulfilment")
def test_the_discount_shows_on_review_confirmation_order_page_and_email(
    client, cart_of_two, mailoutbox, django_capture_on_commit_callbacks
):
    from orders.models import Order

    VoucherFactory(code="TEN", value=Decimal("10"))
    client.post("/cart/voucher/", {"code": "TEN"})
    client.post(
        "/checkout/",
        {
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "line1": "12 Analytical St",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
    )
    client.post("/checkout/shipping/", {"shipping_method": "standard"})
    client.post("/checkout/payment/", {"payment_token": "tok_visa"})
    review = _text(client.get("/checkout/review/"))
    assert 'id="review-voucher-discount">−$4.00' in review
    assert 'id="order-total">$41.00' in review  # 40 - 4 + 5 shipping
    key = review.split('name="idempotency_key" value="')[1].split('"')[0]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/checkout/place/", {"idempotency_key": key}, follow=True)
    body = _text(done)
    assert "Voucher TEN: −$4.00" in body and "Total: $41.00" in body
    order = Order.objects.get()
    page = _text(
        client.get(f"/orders/{order.number}/?token={order.access_token}", follow=True)
    )
    assert "Voucher TEN" in page and "−$4.00" in page
    # the confirmation email (sent by the in-process event bus after commit)
    email = next(m for m in mailoutbox if order.number in m.subject)
    assert "Voucher TEN: -4.00 USD" in email.body
    assert "Voucher TEN" in email.alternatives[0][0]

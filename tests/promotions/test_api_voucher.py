"""POST/DELETE /api/v1/carts/{id}/voucher/, each error, and checkout with a code."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications.models import OutboxEvent
from orders.models import Order, Payment
from promotions.models import CartVoucher, Voucher, VoucherRedemption
from tests.factories.orders import CatalogVariantFactory, cart_with, checkout_payload
from tests.factories.promotions import VoucherFactory
from tests.promotions.conftest import apply_code, checkout

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_fulfilment", "standard_shipping"),
]


def _cart(price="20.00", quantity=2, stock=10):
    variant = CatalogVariantFactory(price=Decimal(price), stock_on_hand=stock)
    return cart_with([(variant, quantity)]), variant


def test_apply_answers_the_cart_with_its_discount_lines(client):
    cart, _ = _cart()
    VoucherFactory(code="TENOFF", kind="percentage", value=Decimal("10"))
    response = apply_code(client, cart, " tenoff ")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == "40.00"  # unchanged meaning: the lines at cart prices
    assert body["discounts"] == [
        {
            "kind": "voucher",
            "code": "TENOFF",
            "label": "Voucher TENOFF",
            "amount": "4.00",
        }
    ]
    assert body["discount_total"] == "4.00"
    assert body["total_after_discount"] == "36.00"
    assert body["voucher"] == {"code": "TENOFF", "free_shipping": False, "error": None}
    # GET shows the same, DELETE removes it
    assert client.get(f"/api/v1/carts/{cart.token}/").json()["discount_total"] == "4.00"
    removed = client.delete(f"/api/v1/carts/{cart.token}/voucher/")
    assert removed.status_code == 200
    assert "discounts" not in removed.json()
    assert not CartVoucher.objects.filter(cart=cart).exists()


@pytest.mark.parametrize(
    ("terms", "status", "code"),
    [
        ({"code": "OTHER"}, 400, "voucher_not_found"),
        ({"is_active": False}, 400, "voucher_not_found"),
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, 400, "voucher_expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, 400, "voucher_not_started"),
        ({"min_subtotal": Decimal("40.01")}, 400, "voucher_min_subtotal"),
        ({"usage_limit": 3, "used_count": 3}, 409, "voucher_exhausted"),
    ],
)
def test_each_error_is_a_status_with_a_code_and_a_message(client, terms, status, code):
    cart, _ = _cart()
    VoucherFactory(**{"code": "PROMO", **terms})
    response = apply_code(client, cart, "PROMO")
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["detail"]
    assert not CartVoucher.objects.filter(cart=cart).exists()


def test_min_subtotal_is_met_exactly_at_the_minimum(client):
    cart, _ = _cart()
    VoucherFactory(code="MIN40", min_subtotal=Decimal("40.00"))
    assert apply_code(client, cart, "MIN40").status_code == 200


def test_once_per_customer_is_checked_at_checkout_by_email(client):
    voucher = VoucherFactory(code="ONCE", once_per_customer=True)
    first, _ = _cart()
    assert apply_code(client, first, "ONCE").status_code == 200
    assert checkout(client, checkout_payload(first)).status_code == 201
    second, _ = _cart()
    assert apply_code(client, second, "ONCE").status_code == 200  # guest: unknown yet
    response = checkout(client, checkout_payload(second, email="ADA@example.com"))
    assert response.status_code == 409
    assert response.json()["code"] == "voucher_already_used"
    assert Payment.objects.count() == 1  # nothing authorised for the refused one
    assert Voucher.objects.get(pk=voucher.pk).used_count == 1


def test_checkout_with_a_code_discounts_the_order_and_records_it(client):
    cart, variant = _cart(price="30.00", quantity=2)  # 60.00, free shipping over 100
    voucher = VoucherFactory(code="FIVE", kind="fixed", value=Decimal("5.00"))
    assert apply_code(client, cart, "five").status_code == 200
    response = checkout(client, checkout_payload(cart))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subtotal"] == "60.00"  # before discounts, as before
    assert body["discount_total"] == "5.00"
    assert body["total"] == "60.00"  # 60.00 - 5.00 + 5.00 shipping
    assert body["voucher_code"] == "FIVE"
    assert body["discounts"] == [
        {
            "kind": "voucher",
            "code": "FIVE",
            "label": "Voucher FIVE",
            "amount": "5.00",
            "free_shipping": False,
        }
    ]
    assert body["lines"][0]["discount_total"] == "5.00"
    order = Order.objects.get(number=body["number"])
    assert Payment.objects.get(order=order).amount == Decimal("60.00")
    detail = client.get(
        f"/api/v1/orders/{order.number}/?access_token={order.access_token}"
    ).json()
    assert detail["discounts"] == body["discounts"]
    assert Voucher.objects.get(pk=voucher.pk).used_count == 1
    redemption = VoucherRedemption.objects.get()
    assert (redemption.order_number, redemption.discount) == (
        order.number,
        Decimal("5.00"),
    )
    event = OutboxEvent.objects.get(type="voucher.redeemed")
    assert event.order_number == order.number and event.data["code"] == "FIVE"
    assert not CartVoucher.objects.filter(cart=cart).exists()


def test_free_shipping_code_zeroes_shipping(client):
    cart, _ = _cart(price="10.00", quantity=1)
    VoucherFactory(code="SHIPFREE", kind="free_shipping", value=Decimal("0"))
    assert apply_code(client, cart, "SHIPFREE").status_code == 200
    body = checkout(client, checkout_payload(cart)).json()
    assert (body["shipping_total"], body["total"]) == ("0.00", "10.00")


def test_checkout_rechecks_the_code_and_charges_nothing_when_it_no_longer_holds(client):
    cart, variant = _cart()
    voucher = VoucherFactory(code="SOON")
    assert apply_code(client, cart, "SOON").status_code == 200
    Voucher.objects.filter(pk=voucher.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    response = checkout(client, checkout_payload(cart))
    assert response.status_code == 400
    assert response.json()["code"] == "voucher_expired"
    assert Payment.objects.count() == 0 and Order.objects.count() == 0
    variant.refresh_from_db()
    assert variant.stock_reserved == 0


def test_deactivating_takes_effect_at_once_for_carts_and_checkout(client):
    from promotions.services import voucher_set_active

    cart, _ = _cart()
    voucher = VoucherFactory(code="STOPME")
    assert apply_code(client, cart, "STOPME").status_code == 200
    voucher_set_active(voucher_ids=[voucher.pk], active=False)
    shown = client.get(f"/api/v1/carts/{cart.token}/").json()
    assert shown["voucher"]["error"]["code"] == "voucher_not_found"
    assert shown["discount_total"] == "0.00"
    response = checkout(client, checkout_payload(cart))
    assert response.json()["code"] == "voucher_not_found"


def test_a_declined_payment_does_not_use_the_code(client):
    cart, _ = _cart()
    voucher = VoucherFactory(code="KEEP", usage_limit=1)
    assert apply_code(client, cart, "KEEP").status_code == 200
    response = checkout(
        client, checkout_payload(cart, payment_token="tok_chargeDeclined")
    )
    assert response.status_code == 402
    voucher.refresh_from_db()
    assert voucher.used_count == 0 and not VoucherRedemption.objects.exists()
    # the code still works for the retry with another card
    assert checkout(client, checkout_payload(cart)).status_code == 201
    voucher.refresh_from_db()
    assert voucher.used_count == 1


def test_cancelling_the_order_gives_the_use_back(client):
    from orders.services import order_cancel

    cart, _ = _cart()
    voucher = VoucherFactory(code="BACK", usage_limit=1)
    apply_code(client, cart, "BACK")
    number = checkout(client, checkout_payload(cart)).json()["number"]
    order_cancel(order=Order.objects.get(number=number), actor="system:test")
    voucher.refresh_from_db()
    assert voucher.used_count == 0 and not VoucherRedemption.objects.exists()


def test_the_database_refuses_more_uses_than_the_cap():
    from django.db import IntegrityError, transaction

    voucher = VoucherFactory(usage_limit=2, used_count=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(used_count=3)


def test_a_restricted_code_discounts_only_its_products(client):
    on, _ = CatalogVariantFactory(price=Decimal("10.00")), None
    off = CatalogVariantFactory(price=Decimal("30.00"))
    cart = cart_with([(on, 1), (off, 1)])
    voucher = VoucherFactory(code="MUGS", kind="percentage", value=Decimal("50"))
    voucher.products.set([on.product])
    body = apply_code(client, cart, "MUGS").json()
    assert body["discount_total"] == "5.00"
    other = VoucherFactory(code="NOPE")
    other.products.set([CatalogVariantFactory().product])
    response = apply_code(client, cart, "NOPE")
    assert (
        response.status_code == 400
        and response.json()["code"] == "voucher_not_applicable"
    )

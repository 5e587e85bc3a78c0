"""The customer's own actions: cancel before shipping (stock back, payment
voided or refunded, the cancellation email), reorder into the cart, and the
review step's line totals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from notifications.models import OutboxEvent
from orders.integrations.payments.test_gateway import simulate_failures
from orders.models import Order, Payment
from orders.services import payment_capture
from shop.models import Cart, CartLine, Variant
from tests.factories.orders import (
    ADDRESS,
    CatalogVariantFactory,
    OrderFactory,
    cart_with,
    user_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


def _open_as_guest(client, order: Order) -> None:
    response = client.get(f"/orders/{order.number}/?token={order.access_token}")
    assert response.status_code == 302


def _cancelled_events(order: Order) -> int:
    return OutboxEvent.objects.filter(
        order_number=order.number, type="order.cancelled"
    ).count()


def test_guest_confirms_and_cancels_stock_back_payment_voided_email_sent(
    client, django_capture_on_commit_callbacks
):
    order = OrderFactory()
    variant = order.lines.get().variant
    _open_as_guest(client, order)

    page = client.get(f"/orders/{order.number}/")
    assert f'href="/orders/{order.number}/cancel/"' in page.content.decode()
    confirm = client.get(f"/orders/{order.number}/cancel/")
    assert confirm.status_code == 200
    assert "Yes, cancel my order" in confirm.content.decode()
    assert Order.objects.get(pk=order.pk).status == "placed"  # GET changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/orders/{order.number}/cancel/", follow=True)

    order.refresh_from_db()
    assert order.status == "cancelled" and order.stock_released_at is not None
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 0
    assert Payment.objects.get(order=order).status == "voided"
    assert _cancelled_events(order) == 1
    assert [m.subject for m in mail.outbox] == [
        f"SecureCart: Order {order.number} was cancelled"
    ]
    html = done.content.decode()
    assert "Your order is cancelled" in html
    assert "Cancel this order" not in html
    assert re.search(r'id="order-status">Cancelled<', html)


def test_a_second_cancel_changes_nothing(client):
    order = OrderFactory()
    _open_as_guest(client, order)
    client.post(f"/orders/{order.number}/cancel/")
    again = client.post(f"/orders/{order.number}/cancel/", follow=True)

    assert "already cancelled" in again.content.decode()
    assert _cancelled_events(order) == 1
    assert order.events.filter(kind="stock").count() == 1


def test_a_captured_payment_is_refunded_on_cancel(client):
    order = OrderFactory(status=Order.Status.PROCESSING)
    payment_capture(order=order)
    assert Payment.objects.get(order=order).status == "captured"
    _open_as_guest(client, order)

    client.post(f"/orders/{order.number}/cancel/")

    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Payment.objects.get(order=order).status == "refunded"


@pytest.mark.parametrize("status", ["shipped", "delivered", "refunded"])
def test_a_shipped_order_cannot_be_cancelled(client, status):
    order = OrderFactory(status=status)
    _open_as_guest(client, order)

    assert (
        "Cancel this order"
        not in client.get(f"/orders/{order.number}/").content.decode()
    )
    page = client.get(f"/orders/{order.number}/cancel/")
    assert "can no longer be cancelled" in page.content.decode()
    refused = client.post(f"/orders/{order.number}/cancel/", follow=True)

    assert "can no longer be cancelled" in refused.content.decode()
    order.refresh_from_db()
    assert order.status == status and order.stock_released_at is None
    assert Payment.objects.get(order=order).status == "authorised"


def test_only_the_owner_or_token_holder_can_cancel():
    owner = user_create()
    order = OrderFactory(user=owner)
    stranger = Client()
    assert stranger.get(f"/orders/{order.number}/cancel/").status_code == 404
    assert stranger.post(f"/orders/{order.number}/cancel/").status_code == 404
    other = Client()
    other.force_login(user_create())
    assert other.post(f"/orders/{order.number}/cancel/").status_code == 404
    assert Order.objects.get(pk=order.pk).status == "placed"

    mine = Client()
    mine.force_login(owner)
    assert mine.post(f"/orders/{order.number}/cancel/").status_code == 302
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    label = order.events.get(kind="status").actor_label
    assert label == f"customer:{owner.username}"


def test_cancel_needs_the_csrf_token():
    owner = user_create()
    order = OrderFactory(user=owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.post(f"/orders/{order.number}/cancel/").status_code == 403
    assert Order.objects.get(pk=order.pk).status == "placed"
    page = client.get(f"/orders/{order.number}/cancel/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    ok = client.post(f"/orders/{order.number}/cancel/", {"csrfmiddlewaretoken": token})
    assert ok.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def _cart_lines(client) -> dict[str, int]:
    token = client.session.get("cart_token")
    cart = Cart.objects.get(token=token)
    return dict(
        CartLine.objects.filter(cart=cart).values_list("variant__sku", "quantity")
    )


def test_reorder_adds_what_is_available_and_reports_the_rest(client):
    kept = CatalogVariantFactory(sku="MUG-1", stock_on_hand=10, price=Decimal("12.00"))
    short = CatalogVariantFactory(sku="TEE-L", stock_on_hand=1)
    gone = CatalogVariantFactory(sku="OLD-1", stock_on_hand=5)
    order = OrderFactory(with_line=False)
    for variant in (kept, short, gone):
        order.lines.create(
            variant=variant,
            sku=variant.sku,
            product_name=variant.product.name,
            variant_name=variant.name,
            quantity=3,
            unit_price=Decimal("10.00"),
            line_total=Decimal("30.00"),
        )
    Variant.objects.filter(pk=gone.pk).update(is_active=False)
    _open_as_guest(client, order)

    response = client.post(f"/orders/{order.number}/reorder/", follow=True)

    assert response.redirect_chain[-1][0] == "/cart/"
    assert _cart_lines(client) == {"MUG-1": 3, "TEE-L": 1}
    html = response.content.decode()
    assert f"Added to your cart: {kept.product.name} ({kept.name})." in html
    assert f"Only 1 of {short.product.name} ({short.name}) left" in html
    assert f"No longer available: {gone.product.name} ({gone.name})." in html
    # today's price, not the price paid then
    line = CartLine.objects.get(variant=kept)
    assert line.unit_price == Decimal("12.00")


def test_reorder_is_post_only_and_for_the_order_holder(client):
    order = OrderFactory()
    assert client.post(f"/orders/{order.number}/reorder/").status_code == 404
    _open_as_guest(client, order)
    assert client.get(f"/orders/{order.number}/reorder/").status_code == 405


def test_review_step_shows_each_line_total_not_unit_times_quantity(
    client, standard_shipping
):
    variant = CatalogVariantFactory(price=Decimal("163.99"), stock_on_hand=5)
    cart = cart_with([(variant, 2)])
    session = client.session
    session["cart_token"] = cart.token
    session.save()
    client.post("/checkout/", ADDRESS | {"email": "guest@example.com"})
    client.post("/checkout/shipping/", {"shipping_method": "standard"})
    client.post("/checkout/payment/", {"payment_token": "tok_visa"})

    html = client.get("/checkout/review/").content.decode()

    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert "×" not in row
    assert re.search(r'class="price line-total">\$327\.98<', row)


def test_a_gateway_outage_leaves_the_order_cancelled_and_a_retry_voids_it(client):
    order = OrderFactory()
    _open_as_guest(client, order)
    simulate_failures(void=1)
    try:
        first = client.post(f"/orders/{order.number}/cancel/", follow=True)
    finally:
        simulate_failures()

    assert "Your order is cancelled" in first.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert Payment.objects.get(order=order).status == "authorised"

    again = client.post(f"/orders/{order.number}/cancel/", follow=True)

    assert "already cancelled" in again.content.decode()
    assert Payment.objects.get(order=order).status == "voided"
    assert _cancelled_events(order) == 1

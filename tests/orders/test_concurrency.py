"""Checkout under concurrency, on PostgreSQL: real threads, own connections."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from orders.models import Order, OrderLine, Payment, PaymentTransaction
from shop.models import Variant
from tests.factories.orders import (
    CatalogVariantFactory,
    ShippingMethodFactory,
    cart_with,
    checkout_payload,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.usefixtures("no_fulfilment"),
    pytest.mark.django_db(transaction=True),
]


def _checkout(
    payload: dict, key: str, barrier: threading.Barrier | None = None
) -> tuple[int, dict]:
    try:
        if barrier is not None:
            barrier.wait(timeout=30)
        response = Client().post(
            "/api/v1/checkout/",
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )
        return response.status_code, response.json()
    finally:
        connection.close()


def test_checkout_never_oversells_under_concurrency():
    # given: 50 units, 200 shoppers each wanting one
    ShippingMethodFactory()
    variant = CatalogVariantFactory(price=Decimal("9.99"), stock_on_hand=50)
    carts = [cart_with([(variant, 1)]) for _ in range(200)]
    payloads = [checkout_payload(cart) for cart in carts]
    # when
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda p: _checkout(p, uuid.uuid4().hex), payloads))
    # then
    codes = [code for code, _ in results]
    assert codes.count(201) == 50
    assert codes.count(409) == 150
    assert all(
        body.get("code") in {"stale_cart", "insufficient_stock"}
        for code, body in results
        if code == 409
    )
    variant = Variant.objects.get(pk=variant.pk)
    assert variant.stock_reserved == 50 and variant.stock_on_hand == 50
    assert variant.available == 0
    assert Order.objects.count() == 50
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 50
    # every authorisation that lost the race was voided: none left dangling
    assert Payment.objects.filter(order__isnull=True, status="authorised").count() == 0
    assert (
        Payment.objects.filter(status="authorised", order__isnull=False).count() == 50
    )


def test_one_idempotency_key_submitted_50_times_at_once_places_one_order():
    # given
    ShippingMethodFactory()
    variant = CatalogVariantFactory(stock_on_hand=10)
    payload = checkout_payload(cart_with([(variant, 1)]))
    barrier = threading.Barrier(50)
    # when
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(
            pool.map(lambda _: _checkout(payload, "same-key", barrier), range(50))
        )
    # then
    assert Order.objects.count() == 1
    assert PaymentTransaction.objects.filter(kind="authorise").count() == 1
    number = Order.objects.get().number
    placed = [body for code, body in results if code == 201]
    assert placed and all(body["number"] == number for body in placed)
    # the rest either replayed the order or were told to retry, never charged
    assert all(code in (201, 409) for code, _ in results)
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 1


def test_cancelling_concurrently_releases_stock_once():
    from orders.services import order_cancel

    ShippingMethodFactory()
    variant = CatalogVariantFactory(stock_on_hand=5)
    code, body = _checkout(checkout_payload(cart_with([(variant, 2)])), "c1")
    assert code == 201
    order = Order.objects.get(number=body["number"])

    def cancel(_):
        try:
            order_cancel(order=Order.objects.get(pk=order.pk), actor="system:test")
            return "ok"
        except Exception as exc:  # the losers see an invalid transition
            return type(exc).__name__
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(cancel, range(8)))

    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} <= {"InvalidTransition"}
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 0
    assert Payment.objects.get(order=order).status == "voided"

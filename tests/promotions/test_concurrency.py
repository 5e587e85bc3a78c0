"""Voucher redemption under concurrency, on PostgreSQL: real threads, own
connections, the whole checkout through the API."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from orders.models import Order, Payment
from promotions.models import CartVoucher, Voucher, VoucherRedemption
from shop.models import Variant
from tests.factories.orders import (
    CatalogVariantFactory,
    ShippingMethodFactory,
    cart_with,
    checkout_payload,
)
from tests.factories.promotions import VoucherFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.usefixtures("no_fulfilment"),
    pytest.mark.django_db(transaction=True),
]


def _checkout(payload: dict) -> tuple[int, dict]:
    try:
        response = Client().post(
            "/api/v1/checkout/",
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        return response.status_code, response.json()
    finally:
        connection.close()


def _carts_with_code(variant: Variant, voucher: Voucher, count: int) -> list[dict]:
    payloads = []
    for index in range(count):
        cart = cart_with([(variant, 1)])
        CartVoucher.objects.create(cart=cart, voucher=voucher)
        payloads.append(checkout_payload(cart, email=f"shopper{index}@example.com"))
    return payloads


def test_a_capped_code_is_redeemed_exactly_cap_times_by_200_concurrent_checkouts():
    # given: plenty of stock, a code for 25 uses, 200 shoppers holding it
    ShippingMethodFactory()
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=1000)
    voucher = VoucherFactory(code="FLASH25", usage_limit=25, value=Decimal("10"))
    payloads = _carts_with_code(variant, voucher, 200)
    # when
    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(_checkout, payloads))
    # then: exactly 25 orders carry it, the rest hear 409 voucher_exhausted
    codes = [code for code, _ in results]
    assert codes.count(201) == 25
    assert codes.count(409) == 175
    assert {body["code"] for code, body in results if code == 409} == {
        "voucher_exhausted"
    }
    assert all(body["detail"] for code, body in results if code == 409)
    voucher.refresh_from_db()
    assert voucher.used_count == 25
    assert VoucherRedemption.objects.filter(voucher=voucher).count() == 25
    assert Order.objects.filter(voucher_code="FLASH25").count() == 25
    assert Order.objects.count() == 25
    # no stock held and no money kept for the refused ones
    assert Variant.objects.get(pk=variant.pk).stock_reserved == 25
    assert Payment.objects.filter(order__isnull=True, status="authorised").count() == 0


def test_losing_the_stock_race_gives_the_code_back():
    # given: 10 units, a code for 50 uses, 40 shoppers
    ShippingMethodFactory()
    variant = CatalogVariantFactory(price=Decimal("20.00"), stock_on_hand=10)
    voucher = VoucherFactory(code="STOCK50", usage_limit=50)
    payloads = _carts_with_code(variant, voucher, 40)
    # when
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(_checkout, payloads))
    # then: the code counts only the 10 orders that got stock
    codes = [code for code, _ in results]
    assert codes.count(201) == 10
    assert {body["code"] for code, body in results if code == 409} <= {
        "insufficient_stock",
        "stale_cart",
    }
    voucher.refresh_from_db()
    assert voucher.used_count == 10
    assert VoucherRedemption.objects.count() == 10
    assert Payment.objects.filter(order__isnull=True, status="authorised").count() == 0

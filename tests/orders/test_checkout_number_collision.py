"""Order numbers are random: a collision with an existing one draws another
number instead of failing the checkout, and no other integrity error is hidden."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from notifications.models import OutboxEvent
from orders.models import Order, PaymentTransaction
from orders.services import placement as checkout
from tests.factories.orders import (
    CatalogVariantFactory,
    OrderFactory,
    cart_with,
    checkout_payload,
)

URL = "/api/v1/checkout/"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fulfilment")]


def _numbers(monkeypatch, *numbers: str) -> list[str]:
    """Make the generator hand out `numbers` in turn (then the last one forever);
    returns the list of numbers it handed out."""
    handed: list[str] = []
    queue: Iterator[str] = iter(numbers)

    def generate() -> str:
        handed.append(next(queue, numbers[-1]))
        return handed[-1]

    monkeypatch.setattr("orders.services.placement.order_number_generate", generate)
    return handed


def _post(client, cart, key: str | None = None):
    return client.post(
        URL,
        data=json.dumps(checkout_payload(cart)),
        content_type="application/json",
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_number_collision_draws_another_number_and_places_the_order_once(
    client, standard_shipping, monkeypatch
):
    # given: an order already holds the number the generator will draw first
    existing = OrderFactory(with_line=False)
    variant = CatalogVariantFactory(price=Decimal("10.00"), stock_on_hand=5)
    cart = cart_with([(variant, 2)])
    handed = _numbers(monkeypatch, existing.number, "SC-FRESH234")
    # when
    response = _post(client, cart)
    # then: placed under the second number, everything else happened once
    assert response.status_code == 201, response.content
    assert handed == [existing.number, "SC-FRESH234"]
    order = Order.objects.get(number="SC-FRESH234")
    assert response.json()["number"] == order.number != existing.number
    assert Order.objects.count() == 2
    assert PaymentTransaction.objects.filter(kind="authorise").count() == 1
    assert order.payment.status == "authorised"
    variant.refresh_from_db()
    assert variant.stock_reserved == 2  # reserved once, not rolled back nor doubled
    assert order.lines.get().quantity == 2
    assert order.events.get().kind == "placed"
    assert OutboxEvent.objects.filter(type="order.placed").count() == 1
    assert OutboxEvent.objects.get(type="order.placed").order_number == order.number


def test_number_collisions_without_end_give_up_after_bounded_attempts(
    standard_shipping, monkeypatch
):
    # given: the generator only ever returns a taken number
    existing = OrderFactory(with_line=False)
    variant = CatalogVariantFactory(stock_on_hand=5)
    cart = cart_with([(variant, 1)])
    handed = _numbers(monkeypatch, existing.number)
    # when / then: the error surfaces after a bounded number of draws
    from django.test import Client

    with pytest.raises(IntegrityError):
        _post(Client(), cart)
    assert len(handed) == checkout.ORDER_NUMBER_ATTEMPTS
    assert Order.objects.count() == 1
    variant.refresh_from_db()
    assert variant.stock_reserved == 0  # the whole order transaction rolled back


def _unsaved_order(**overrides: object) -> Order:
    template = OrderFactory.build(shipping_method=OrderFactory().shipping_method)
    for name, value in overrides.items():
        setattr(template, name, value)
    return template


def _draws(monkeypatch) -> Callable[[], int]:
    calls: list[str] = []

    def generate() -> str:
        calls.append(f"SC-T{len(calls):07d}")
        return calls[-1]

    monkeypatch.setattr("orders.services.placement.order_number_generate", generate)
    return lambda: len(calls)


def test_a_check_constraint_violation_is_not_retried(monkeypatch):
    # given: an order the total CHECK constraint rejects
    draws = _draws(monkeypatch)
    order = _unsaved_order(total=Decimal("-1.00"))
    # when / then
    with transaction.atomic(), pytest.raises(IntegrityError):
        checkout._order_insert(order)
    assert draws() == 1


def test_another_unique_violation_is_not_retried(monkeypatch):
    # given: an order whose access token (also unique) is already taken
    existing = OrderFactory(with_line=False)
    draws = _draws(monkeypatch)
    order = _unsaved_order(access_token=existing.access_token)
    # when / then
    with transaction.atomic(), pytest.raises(IntegrityError):
        checkout._order_insert(order)
    assert draws() == 1

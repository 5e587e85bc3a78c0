"""Staff refunding the same order at once, on PostgreSQL: real threads, each
with its own connection, never refund more than was captured."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from orders.exceptions import PaymentError
from orders.models import Order, Payment, Refund
from orders.services import payment_capture, refund_issue
from tests.factories.orders import OrderFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def _refund_all_at_once(order: Order, amounts: list[Decimal]) -> list[str]:
    barrier = threading.Barrier(len(amounts))

    def one(amount: Decimal) -> str:
        try:
            barrier.wait(timeout=30)
            refund_issue(order=order, amount=amount, reason="race")
            return "ok"
        except PaymentError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(amounts)) as pool:
        return list(pool.map(one, amounts))


def _captured_order() -> Order:
    order = OrderFactory(total=Decimal("25.00"))
    payment_capture(order=order)
    return order


def test_two_staff_refunding_at_once_never_exceed_the_capture(gateway_refunds):
    order = _captured_order()
    outcomes = _refund_all_at_once(order, [Decimal("15.00"), Decimal("15.00")])
    assert sorted(outcomes) == ["ok", "refused"]
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("15.00")
    assert [call["amount"] for call in gateway_refunds] == [Decimal("15.00")]


def test_many_small_refunds_at_once_stop_exactly_at_the_capture(gateway_refunds):
    order = _captured_order()
    outcomes = _refund_all_at_once(order, [Decimal("5.00")] * 8)
    assert outcomes.count("ok") == 5 and outcomes.count("refused") == 3
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("25.00"))
    amounts = [call["amount"] for call in gateway_refunds]
    assert sum(amounts) == Decimal("25.00") and len(amounts) == 5
    assert Refund.objects.filter(order=order, status="succeeded").count() == 5

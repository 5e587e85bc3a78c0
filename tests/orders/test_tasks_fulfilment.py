"""The fulfilment workflow: fraud check → capture → shipment → shipped.

Eager mode (no broker) runs the chain in-process after commit; the tests marked
`worker` run it in a real celery worker process consuming SQS on moto.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from notifications.models import OutboxEvent
from orders.fulfilment import (
    order_fraud_check,
    order_payment_capture,
    order_release_hold,
    order_ship,
    order_shipment_request,
)
from orders.models import Order, OrderEvent, Payment, PaymentTransaction, ShippingMethod
from orders.payments.test_gateway import simulate_failures
from orders.services.checkout import Address, checkout_submit
from orders.warehouse import builtin_warehouse_ledger
from shop.models import CartLine, Variant
from tests.factories.shop import CartFactory, VariantFactory

S = Order.Status


# --- helpers ---------------------------------------------------------------------
def place_order(*, token: str = "tok_visa", quantity: int = 2, stock: int = 10,
                price: str = "25.00") -> Order:
    """Place an order through the real checkout service and return it."""
    variant = VariantFactory(stock_on_hand=stock, price=Decimal(price))
    method, _ = ShippingMethod.objects.get_or_create(
        code="standard", defaults={"name": "Standard", "price": Decimal("5.00")}
    )
    cart = CartFactory()
    CartLine.objects.create(
        cart=cart, variant=variant, quantity=quantity, unit_price=variant.price
    )
    result = checkout_submit(
        idempotency_key=uuid.uuid4().hex, cart_token=cart.token, user=None,
        email="ada@example.com",
        address=Address(name="Ada Lovelace", line1="1 Analytical St", city="London",
                        postal_code="N1 1AA", country="GB"),
        shipping_method=method.code, payment_token=token,
    )
    assert result.status_code == 201, result.body
    return Order.objects.get(pk=result.order.pk)


def statuses(order: Order) -> list[tuple[str, str]]:
    return list(
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS)
        .order_by("created_at", "id").values_list("from_status", "to_status")
    )


def event_types(order: Order) -> list[str]:
    return list(
        OutboxEvent.objects.filter(order_number=order.number)
        .order_by("occurred_at").values_list("type", flat=True)
    )


def captures(order: Order, succeeded: bool = True) -> int:
    return PaymentTransaction.objects.filter(
        payment__order=order, kind=PaymentTransaction.Kind.CAPTURE, succeeded=succeeded
    ).count()


def variant_of(order: Order) -> Variant:
    return Variant.objects.get(pk=order.lines.get().variant_id)


@pytest.fixture(autouse=True)
def _no_simulated_failures():
    simulate_failures()
    yield
    simulate_failures()


# --- eager mode (the embedded default) ---------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eager_checkout_runs_the_whole_workflow_after_commit(settings):
    from securecart.celery import app

    assert app.conf.task_always_eager  # no broker configured in the test settings
    # when
    order = place_order(quantity=2, stock=10)
    # then: the chain ran in-process once the checkout transaction committed
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert order.tracking_number.startswith("SCP")
    assert order.risk_score is not None and order.risk_score <= settings.FRAUD_HOLD_THRESHOLD
    assert statuses(order) == [("placed", "processing"), ("processing", "shipped")]
    assert event_types(order) == [
        "order.placed", "order.processing", "payment.captured", "order.shipped"
    ]
    assert Payment.objects.get(order=order).status == Payment.Status.CAPTURED
    assert captures(order) == 1
    variant = variant_of(order)
    assert (variant.stock_on_hand, variant.stock_reserved) == (8, 0)
    assert builtin_warehouse_ledger(order_number=order.number)["calls"] == 1


@pytest.mark.django_db
def test_every_step_run_again_changes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    before = (statuses(order), event_types(order), order.tracking_number)
    # when: every step is delivered a second time
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            step(order_id=order.pk)
            for step in (order_fraud_check, order_payment_capture,
                         order_shipment_request, order_ship)
        ]
    # then
    assert all(result.startswith("skipped") for result in results), results
    order.refresh_from_db()
    assert (statuses(order), event_types(order), order.tracking_number) == before
    assert captures(order) == 1
    assert builtin_warehouse_ledger(order_number=order.number)["calls"] == 1
    assert variant_of(order).stock_on_hand == 8


@pytest.mark.django_db
def test_transient_capture_failures_are_retried_until_captured(
    django_capture_on_commit_callbacks,
):
    simulate_failures(capture=2)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert captures(order, succeeded=False) == 2  # each failed call is on record
    assert captures(order) == 1


@pytest.mark.django_db
def test_high_risk_order_waits_on_hold_until_staff_release_it(
    django_capture_on_commit_callbacks, admin_user,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(token="tok_riskLevelHighest")
    order.refresh_from_db()
    assert order.status == S.ON_HOLD
    assert order.risk_score >= 80
    assert any("risk level highest" in reason for reason in order.risk_reasons)
    assert event_types(order) == ["order.placed", "order.on_hold"]
    assert captures(order) == 0
    # when: staff release it
    with django_capture_on_commit_callbacks(execute=True):
        order_release_hold(order=order, actor=admin_user)
    # then: the workflow continues to shipped
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert statuses(order) == [
        ("placed", "on_hold"), ("on_hold", "processing"), ("processing", "shipped")
    ]
    release = OrderEvent.objects.get(order=order, to_status="processing")
    assert release.actor == admin_user
    assert captures(order) == 1


@pytest.mark.django_db
def test_release_hold_refuses_an_order_that_is_not_on_hold(
    django_capture_on_commit_callbacks, admin_user,
):
    from orders.exceptions import InvalidTransition

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    with pytest.raises(InvalidTransition):
        order_release_hold(order=order, actor=admin_user)


@pytest.mark.django_db
def test_capture_that_always_fails_cancels_releases_stock_and_voids(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(token="tok_capture_fails", quantity=3, stock=10)
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert captures(order, succeeded=False) == 4  # first try + 3 retries
    assert Payment.objects.get(order=order).status == Payment.Status.VOIDED
    variant = variant_of(order)
    assert (variant.stock_on_hand, variant.stock_reserved) == (10, 0)
    assert event_types(order).count("order.cancelled") == 1
    assert "payment_capture failed" in OrderEvent.objects.get(
        order=order, to_status="cancelled"
    ).message


@pytest.mark.django_db
def test_warehouse_outage_after_capture_holds_the_order_for_staff(
    django_capture_on_commit_callbacks, monkeypatch,
):
    monkeypatch.setenv("WAREHOUSE_TEST_FAILURE", "always")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    order.refresh_from_db()
    # money was taken: a person decides (retry the shipment or refund)
    assert order.status == S.ON_HOLD
    assert Payment.objects.get(order=order).status == Payment.Status.CAPTURED
    assert variant_of(order).stock_reserved == 2  # still reserved for this order
    assert builtin_warehouse_ledger(order_number=order.number)["calls"] == 4
    assert event_types(order)[-1] == "order.on_hold"


def test_steps_are_acked_late_retried_with_backoff_and_routed_to_fulfilment(settings):
    from orders import tasks
    from securecart.celery import app

    visibility = settings.MESSAGING["celery_queues"]["fulfilment"]["visibility_timeout"]
    for task in (tasks.order_fraud_check_task, tasks.order_payment_capture_task,
                 tasks.order_shipment_request_task, tasks.order_ship_task,
                 tasks.order_payment_release_task):
        assert task.acks_late and task.reject_on_worker_lost
        route = app.amqp.router.route({}, task.name, args=(1,), kwargs={})
        assert route["queue"].name == "fulfilment"
        assert task.max_retries >= 3 and task.retry_backoff
        # the longest retry countdown must expire before SQS would redeliver
        assert task.retry_backoff_max < visibility
    assert settings.CELERY_TASK_TIME_LIMIT < visibility
    reconcile = app.amqp.router.route({}, tasks.orders_reconcile_task.name, (), {})
    assert reconcile["queue"].name == "default"

"""The fulfilment workflow: fraud check → capture → shipment → shipped.

Eager mode (no broker) runs the chain in-process after commit; the tests marked
`worker` run it in a real celery worker process consuming SQS on moto.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from notifications.models import OutboxEvent
from orders.integrations.payments.test_gateway import simulate_failures
from orders.integrations.warehouse import builtin_warehouse_ledger
from orders.models import Order, OrderEvent, Payment, PaymentTransaction, ShippingMethod
from orders.services import order_release
from orders.services.checkout import Address, checkout_submit
from orders.services.fulfilment import (
    order_fraud_check,
    order_payment_capture,
    order_ship,
    order_shipment_request,
)
from shop.models import CartLine, Variant
from tests.factories.shop import CartFactory, VariantFactory
from tests.services import wait_until

S = Order.Status


# --- helpers ---------------------------------------------------------------------
def place_order(
    *,
    token: str = "tok_visa",
    quantity: int = 2,
    stock: int = 10,
    price: str = "25.00",
    email: str = "ada@example.com",
    phone: str = "",
    country: str = "GB",
) -> Order:
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
        idempotency_key=uuid.uuid4().hex,
        cart_token=cart.token,
        user=None,
        email=email,
        phone=phone,
        address=Address(
            name="Ada Lovelace",
            line1="1 Analytical St",
            city="London",
            postal_code="N1 1AA",
            country=country,
        ),
        shipping_method=method.code,
        payment_token=token,
    )
    assert result.placed, result.error
    return Order.objects.get(pk=result.order.pk)


def statuses(order: Order) -> list[tuple[str, str]]:
    return list(
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.STATUS)
        .order_by("created_at", "id")
        .values_list("from_status", "to_status")
    )


def event_types(order: Order) -> list[str]:
    return list(
        OutboxEvent.objects.filter(order_number=order.number)
        .order_by("occurred_at")
        .values_list("type", flat=True)
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
    assert (
        order.risk_score is not None
        and order.risk_score <= settings.FRAUD_HOLD_THRESHOLD
    )
    assert statuses(order) == [("placed", "processing"), ("processing", "shipped")]
    assert event_types(order) == [
        "order.placed",
        "order.processing",
        "payment.captured",
        "order.shipped",
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
            for step in (
                order_fraud_check,
                order_payment_capture,
                order_shipment_request,
                order_ship,
            )
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
    django_capture_on_commit_callbacks,
    admin_user,
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
        order_release(order=order, actor=admin_user)
    # then: the workflow continues to shipped
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert statuses(order) == [
        ("placed", "on_hold"),
        ("on_hold", "processing"),
        ("processing", "shipped"),
    ]
    release = OrderEvent.objects.get(order=order, to_status="processing")
    assert release.actor == admin_user
    assert captures(order) == 1


@pytest.mark.django_db
def test_release_hold_refuses_an_order_that_is_not_on_hold(
    django_capture_on_commit_callbacks,
    admin_user,
):
    from orders.exceptions import InvalidTransition

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    with pytest.raises(InvalidTransition):
        order_release(order=order, actor=admin_user)


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
    assert (
        "payment_capture failed"
        in OrderEvent.objects.get(order=order, to_status="cancelled").message
    )


@pytest.mark.django_db
def test_warehouse_outage_after_capture_holds_the_order_for_staff(
    django_capture_on_commit_callbacks,
    monkeypatch,
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
    for task in (
        tasks.order_fraud_check_task,
        tasks.order_payment_capture_task,
        tasks.order_shipment_request_task,
        tasks.order_ship_task,
        tasks.order_payment_release_task,
    ):
        assert task.acks_late and task.reject_on_worker_lost
        route = app.amqp.router.route({}, task.name, args=(1,), kwargs={})
        assert route["queue"].name == "fulfilment"
        assert task.max_retries >= 3 and task.retry_backoff
        # the longest retry countdown must expire before SQS would redeliver
        assert task.retry_backoff_max < visibility
    shortest = min(
        q["visibility_timeout"] for q in settings.MESSAGING["celery_queues"].values()
    )
    assert (
        settings.CELERY_TASK_SOFT_TIME_LIMIT
        < settings.CELERY_TASK_TIME_LIMIT
        < shortest
    )
    reconcile = app.amqp.router.route({}, tasks.orders_reconcile_task.name, (), {})
    assert reconcile["queue"].name == "default"


# --- a real worker on SQS (moto) -----------------------------------------------------
# Lower than the 30 s of the celery_sqs fixture so the kill -9 test waits less for
# SQS to redeliver; still far above any step here (they take milliseconds).
VISIBILITY_TIMEOUT = 10


@pytest.fixture
def fulfilment_sqs(redis_cache, celery_sqs):
    """The Celery queues of this test on moto, made by ensure_queues (with DLQs)."""
    import io

    from django.core.management import call_command

    call_command(
        "ensure_queues",
        prefix=celery_sqs.prefix,
        visibility_timeout=VISIBILITY_TIMEOUT,
        stdout=io.StringIO(),
    )
    return celery_sqs


def bookings(worker) -> list[dict]:
    """The built-in warehouse's booking log lines of one worker process.

    Read from the worker's own log rather than the shared cache ledger: the test
    Redis database may be flushed by other suites running on the same server.
    """
    import json

    lines = [
        json.loads(line) for line in worker.log().splitlines() if line.startswith("{")
    ]
    return [
        line for line in lines if line.get("message") == "built-in warehouse booking"
    ]


def order_status(order: Order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def timeline(order: Order) -> list[str]:
    return [
        f"{e.kind}:{e.to_status}"
        if e.kind in ("status", "placed")
        else f"{e.kind}:{e.message}"
        for e in OrderEvent.objects.filter(order=order).order_by("created_at", "id")
    ]


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
def test_worker_takes_an_order_from_placed_to_shipped_over_sqs(
    fulfilment_sqs,
    celery_worker_factory,
):
    worker = celery_worker_factory(queues="fulfilment")
    # when: checkout commits, the chain goes to the fulfilment queue on SQS
    order = place_order()
    wait_until(lambda: order_status(order) == S.SHIPPED, 60, message="order shipped")
    # then: the timeline shows each step, in order
    steps = timeline(order)
    assert steps[0] == "placed:placed"
    assert steps[1] == "status:processing"
    assert steps[2].startswith("payment:Payment of 55.00 captured")
    assert steps[3].startswith("note:Shipment booked with SecureCart Post")
    assert steps[4] == "stock:Stock committed (shipped)."
    assert steps[5] == "status:shipped"
    assert event_types(order) == [
        "order.placed",
        "order.processing",
        "payment.captured",
        "order.shipped",
    ]
    log = worker.log()
    for name in (
        "order_fraud_check_task",
        "order_payment_capture_task",
        "order_shipment_request_task",
        "order_ship_task",
    ):
        assert f"orders.tasks.{name}" in log


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.slow
def test_worker_killed_during_shipment_ends_shipped_exactly_once(
    fulfilment_sqs,
    celery_worker_factory,
):
    # given: a warehouse that books at once but answers after two minutes
    first = celery_worker_factory(
        queues="fulfilment", extra_env={"WAREHOUSE_TEST_DELAY_SECONDS": "120"}
    )
    order = place_order(quantity=2, stock=10)
    wait_until(
        lambda: bookings(first),
        60,
        message="the worker to be inside the warehouse call",
    )
    # when: kill -9 while the step runs (its message is not acked yet)
    first.kill()
    order.refresh_from_db()
    assert order.status == S.PROCESSING and order.tracking_number == ""
    second = celery_worker_factory(queues="fulfilment")
    # then: SQS redelivers after the visibility timeout and the order ships once
    wait_until(lambda: order_status(order) == S.SHIPPED, 90, message="order shipped")
    order.refresh_from_db()
    # the redelivered step asked the warehouse again and got the same parcel back
    assert [b["tracking_number"] for b in bookings(first) + bookings(second)] == [
        order.tracking_number,
        order.tracking_number,
    ]
    assert (
        OrderEvent.objects.filter(
            order=order, message__startswith="Shipment booked"
        ).count()
        == 1
    )
    assert captures(order) == 1
    assert statuses(order) == [("placed", "processing"), ("processing", "shipped")]
    assert event_types(order).count("order.shipped") == 1
    variant = variant_of(order)
    assert (variant.stock_on_hand, variant.stock_reserved) == (8, 0)


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
def test_a_step_message_delivered_twice_changes_nothing_the_second_time(
    fulfilment_sqs,
    celery_worker_factory,
):
    from orders import tasks

    worker = celery_worker_factory(queues="fulfilment")
    order = place_order()
    wait_until(lambda: order_status(order) == S.SHIPPED, 60, message="order shipped")
    before = (
        timeline(order),
        event_types(order),
        captures(order),
        len(bookings(worker)),
        variant_of(order).stock_on_hand,
    )
    # when: every step's message arrives again (sent by hand, as SQS may)
    ids = [
        task.apply_async(args=[order.pk]).id
        for task in (
            tasks.order_fraud_check_task,
            tasks.order_payment_capture_task,
            tasks.order_shipment_request_task,
            tasks.order_ship_task,
        )
    ]
    for task_id in ids:
        wait_until(
            lambda task_id=task_id: f"[{task_id}] succeeded" in worker.log(),
            30,
            message=f"the worker to run {task_id}",
        )
    # then
    after = (
        timeline(order),
        event_types(order),
        captures(order),
        len(bookings(worker)),
        variant_of(order).stock_on_hand,
    )
    assert after == before
    assert before[3] == 1
    assert worker.log().count("skipped: order is shipped") >= 4


@pytest.mark.aws
@pytest.mark.redis
@pytest.mark.worker
def test_worker_compensates_a_step_that_always_fails(
    fulfilment_sqs,
    celery_worker_factory,
):
    celery_worker_factory(queues="fulfilment")
    # given: a card whose capture always times out
    order = place_order(token="tok_capture_fails", quantity=3, stock=10)
    # then: after the last retry the order is cancelled and everything given back
    wait_until(
        lambda: Payment.objects.get(order=order).status == Payment.Status.VOIDED,
        90,
        message="the authorisation to be voided",
    )
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert captures(order, succeeded=False) >= 4  # the first try and 3 retries
    assert captures(order) == 0
    variant = variant_of(order)
    assert (variant.stock_on_hand, variant.stock_reserved) == (10, 0)
    assert event_types(order).count("order.cancelled") == 1
    assert statuses(order) == [("placed", "processing"), ("processing", "cancelled")]


def test_beat_schedules_the_outbox_sweep_and_reconcile_by_registered_task_names():
    from securecart.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    names = {entry["task"] for entry in schedule.values()}
    assert {
        "notifications.tasks.outbox_relay_task",
        "orders.tasks.orders_reconcile_task",
    } <= names
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
        # a beat message left waiting (no worker) expires instead of piling up
        assert 0 < entry["options"]["expires"] <= 2 * entry["schedule"]


@pytest.mark.django_db
def test_the_reconcile_task_redrives_stuck_orders(django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from orders.tasks import orders_reconcile_task

    order = place_order()  # its workflow never started (on_commit did not run)
    Order.objects.filter(pk=order.pk).update(
        status_changed_at=timezone.now() - timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = orders_reconcile_task.apply().result
    assert counts == {"redriven": 1, "payments": 0, "failed": 0}
    assert order_status(order) == S.SHIPPED

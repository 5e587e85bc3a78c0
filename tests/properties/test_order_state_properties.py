"""Stateful property test: no sequence of checkouts and staff actions reaches an
undefined order state, applies a transition the state machine forbids, or loses
or invents stock."""

import uuid
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from orders.exceptions import InvalidTransition, StaleCart
from orders.models import Order, OrderEvent
from orders.services import (
    Address,
    checkout_submit,
    order_cancel,
    order_hold,
    order_mark_delivered,
    order_mark_shipped,
    order_refund,
    order_release,
)
from orders.services.transitions import TRANSITIONS, order_transition
from shop.exceptions import InsufficientStock
from shop.models import Variant
from tests.factories.orders import (
    ADDRESS,
    CatalogVariantFactory,
    ShippingMethodFactory,
    cart_with,
)

S = Order.Status
STOCK = 6
HOLDING = {S.PLACED, S.PROCESSING, S.ON_HOLD}  # stock reserved, not yet shipped
GONE = {S.SHIPPED, S.DELIVERED, S.REFUNDED}  # stock left the shelf

ACTIONS = {
    "process": lambda order: order_transition(order=order, to=S.PROCESSING),
    "hold": lambda order: order_hold(order=order, actor="staff:prop"),
    "release": lambda order: order_release(order=order, actor="staff:prop"),
    "cancel": lambda order: order_cancel(order=order, actor="staff:prop"),
    "ship": lambda order: order_mark_shipped(
        order=order, tracking_number="T1", actor="staff:prop"
    ),
    "deliver": lambda order: order_mark_delivered(order=order, actor="staff:prop"),
    "refund": lambda order: order_refund(order=order, actor="staff:prop"),
}
TARGET = {
    "process": S.PROCESSING,
    "hold": S.ON_HOLD,
    "release": S.PROCESSING,
    "cancel": S.CANCELLED,
    "ship": S.SHIPPED,
    "deliver": S.DELIVERED,
    "refund": S.REFUNDED,
}


def _allowed(action: str, status: str) -> bool:
    if action == "release":  # releasing is only ever out of a hold
        return status == S.ON_HOLD
    return TARGET[action] in TRANSITIONS[status]


class OrderLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # each example runs in a savepoint that is rolled back afterwards
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.orders: list[Order] = []
        self.transitions: Counter[int] = Counter()

    @initialize()
    def stock_the_shelf(self) -> None:
        ShippingMethodFactory()
        self.variants = [CatalogVariantFactory(stock_on_hand=STOCK) for _ in range(2)]

    @rule(which=st.integers(0, 1), quantity=st.integers(1, 4))
    def checkout(self, which: int, quantity: int) -> None:
        variant = Variant.objects.get(pk=self.variants[which].pk)
        cart = cart_with([(variant, quantity)])
        try:
            result = checkout_submit(
                idempotency_key=uuid.uuid4().hex,
                cart_token=cart.token,
                user=None,
                email="prop@example.com",
                address=Address(**ADDRESS),
                shipping_method="standard",
                payment_token="tok_visa",
            )
        except (InsufficientStock, StaleCart):
            # more than is available: refused before anything is reserved
            assert variant.available < quantity
            return
        if result.code == "insufficient_stock":
            assert variant.available < quantity
            return
        assert result.placed, result.error
        assert variant.available >= quantity
        self.orders.append(Order.objects.get(number=result.order.number))

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), action=st.sampled_from(sorted(ACTIONS)))
    def staff_action(self, data, action: str) -> None:
        order = data.draw(st.sampled_from(self.orders))
        order.refresh_from_db()
        before = order.status
        if _allowed(action, before):
            ACTIONS[action](order)
            order.refresh_from_db()
            assert order.status == TARGET[action]
            self.transitions[order.pk] += 1
        else:
            with pytest.raises(InvalidTransition):
                ACTIONS[action](order)
            order.refresh_from_db()
            assert order.status == before, "a refused transition changed the order"

    @invariant()
    def every_order_is_in_a_defined_state_with_its_timeline(self) -> None:
        for order in self.orders:
            order.refresh_from_db()
            assert order.status in S.values
            status_events = OrderEvent.objects.filter(
                order=order, kind=OrderEvent.Kind.STATUS
            )
            assert status_events.count() == self.transitions[order.pk]

    @invariant()
    def stock_is_neither_lost_nor_invented(self) -> None:
        for variant in getattr(self, "variants", []):
            variant.refresh_from_db()
            held = shipped = 0
            for order in self.orders:
                quantity = sum(
                    line.quantity
                    for line in order.lines.all()
                    if line.variant_id == variant.pk
                )
                status = Order.objects.values_list("status", flat=True).get(pk=order.pk)
                held += quantity if status in HOLDING else 0
                shipped += quantity if status in GONE else 0
            assert variant.stock_reserved == held
            assert variant.stock_on_hand == STOCK - shipped
            assert variant.stock_on_hand - variant.stock_reserved >= 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_no_sequence_of_actions_reaches_an_undefined_state_or_loses_stock():
    run_state_machine_as_test(
        OrderLifecycle,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture,
            ],
        ),
    )

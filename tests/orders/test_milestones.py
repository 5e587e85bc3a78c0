from orders.milestones import (
    customer_can_cancel,
    customer_status,
    customer_timeline,
    milestone_for,
)
from orders.models import Order


def test_every_status_has_a_customer_label_and_hold_reveals_nothing():
    for status in Order.Status.values:
        assert customer_status(status)
    assert customer_status("on_hold") == customer_status("processing")
    assert milestone_for("on_hold") is None


def test_milestones_are_plain_words_for_customer_facing_moves():
    assert milestone_for("placed") == "Order placed"
    assert milestone_for("processing") == "Payment confirmed"
    assert milestone_for("refunded") == "Refunded"


def test_timeline_keeps_customer_milestones_once_in_order():
    moves = [
        ("placed", 1),
        ("on_hold", 2),
        ("processing", 3),
        ("on_hold", 4),
        ("processing", 5),
        ("shipped", 6),
        ("legacy_state", 7),
    ]
    assert customer_timeline(moves) == [
        ("Order placed", 1),
        ("Payment confirmed", 3),
        ("Shipped", 6),
    ]


def test_only_orders_not_yet_shipped_can_be_cancelled_by_the_customer():
    assert {s for s in Order.Status.values if customer_can_cancel(s)} == {
        "placed",
        "processing",
        "on_hold",
    }

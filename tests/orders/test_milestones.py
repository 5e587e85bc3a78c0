from orders.milestones import customer_status, milestone_for
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

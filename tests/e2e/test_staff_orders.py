"""Staff handle an order from its admin page, in Chromium: a partial refund
through its confirmation page, and what it leaves behind (one gateway call, the
timeline entry under the manager's name, the customer's email)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from orders.groups import ORDER_MANAGERS, order_managers_group_ensure
from orders.models import Order, Payment
from shop.models import Variant
from tests.e2e.axe import axe_violations
from tests.factories.accounts import UserFactory
from tests.factories.orders import order_shipped_captured

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shipped_order() -> Order:
    return order_shipped_captured(email="ada@example.com")


@pytest.fixture
def manager():
    order_managers_group_ensure()
    user = UserFactory(username="order-manager", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_MANAGERS))
    return user


def test_staff_refund_one_unit_from_the_order_page(
    staff_page, manager, shipped_order, gateway_refunds, mailoutbox
):
    order = shipped_order
    line = order.lines.get()
    on_hand = Variant.objects.get(pk=line.variant_id).stock_on_hand
    staff = staff_page(manager)
    staff.goto(f"/admin/orders/order/{order.pk}/change/")

    # the order page has the button; its page says what can be refunded
    staff.get_by_role("link", name="Refund", exact=True).click()
    expect(staff.get_by_role("heading", name="What can be done")).to_be_visible()
    expect(staff.get_by_text("25.00 USD of 25.00 can be refunded")).to_be_visible()
    staff.get_by_role("radio", name="Units of lines (priced as paid)").check()
    staff.get_by_label(re.compile(f"^{line.sku}")).fill("1")
    staff.get_by_role(
        "checkbox", name="Put the refunded units back on the shelf"
    ).check()
    staff.get_by_label("Reason").fill("one mug arrived chipped")
    staff.get_by_role("button", name="Review").click()

    # the confirmation says exactly what will happen; nothing happened yet
    effects = staff.locator(".order-action-effects")
    expect(effects).to_contain_text("Payment: 10.00 USD is refunded to the card")
    expect(effects).to_contain_text(f"Stock: back on the shelf: 1 × {line.sku}")
    expect(effects).to_contain_text("ada@example.com")
    assert gateway_refunds == []
    serious = [
        v for v in axe_violations(staff) if v["impact"] in ("critical", "serious")
    ]
    assert serious == []
    staff.get_by_role("button", name="Confirm: refund").click()

    # back on the order page: the message, the refund, the timeline
    expect(staff.locator(".messagelist")).to_contain_text(
        f"Refunded 10.00 USD of order {order.number}."
    )
    refunds = staff.get_by_role("group", name="Refunds")
    expect(refunds.get_by_role("row").filter(has_text="10.00")).to_contain_text(
        "one mug arrived chipped"
    )
    events = staff.get_by_role("group", name="Order events")
    entry = events.get_by_role("row").filter(has_text="Refunded 10.00 USD.")
    expect(entry).to_contain_text("staff:order-manager")
    expect(entry).to_contain_text("one mug arrived chipped")

    assert len(gateway_refunds) == 1 and gateway_refunds[0]["amount"] == Decimal(
        "10.00"
    )
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("captured", Decimal("10.00"))
    assert Variant.objects.get(pk=line.variant_id).stock_on_hand == on_hand + 1
    emails = [m for m in mailoutbox if "Part of order" in m.subject]
    assert [m.to for m in emails] == [["ada@example.com"]]
    assert "10.00 USD" in emails[0].body and "one mug arrived chipped" in emails[0].body


def _admin_action(staff, label: str, rma_id: int, reason: str, confirm: str) -> None:
    staff.goto("/admin/orders/returnrequest/")
    staff.get_by_role(
        "checkbox",
        name=re.compile(f"Select this object for an action - Return {rma_id} "),
    ).check()
    staff.get_by_role("combobox", name=re.compile(r"^Action")).select_option(
        label=label
    )
    staff.get_by_role("button", name="Go").click()
    expect(staff.get_by_role("heading", name="What will happen")).to_be_visible()
    staff.get_by_label("Reason").fill(reason)
    staff.get_by_role("button", name=confirm).click()


def test_a_return_from_the_shoppers_request_to_the_refund(
    page, staff_page, manager, shipped_order, gateway_refunds, mailoutbox
):
    order = shipped_order
    line = order.lines.get()
    on_hand = Variant.objects.get(pk=line.variant_id).stock_on_hand

    # the shopper opens their order (guest link) and asks to return one unit
    page.goto(f"/orders/{order.number}/?token={order.access_token}")
    returns = page.get_by_role("region", name="Returns")
    returns.get_by_role("link", name="Return items").click()
    page.get_by_label(re.compile("units to return")).fill("1")
    page.get_by_label("Why are you returning these?").fill("too small")
    page.get_by_role("button", name="Request return").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    expect(page.get_by_role("region", name="Returns")).to_contain_text("Requested")
    rma = order.return_requests.get()

    # staff approve it, then mark the parcel received (refund and restock)
    staff = staff_page(manager)
    _admin_action(
        staff, "Approve…", rma.pk, "fine, send it", "Confirm: return approved"
    )
    expect(staff.locator(".messagelist")).to_contain_text(f"Return {rma.pk} approved.")
    _admin_action(
        staff,
        "Mark received (refund and restock)…",
        rma.pk,
        "arrived intact",
        "Confirm: return received",
    )
    expect(staff.locator(".messagelist")).to_contain_text(f"Return {rma.pk} received.")

    # the shopper sees it refunded; one gateway call; an email at every step
    page.reload()
    expect(page.get_by_role("region", name="Returns")).to_contain_text(
        "Received and refunded"
    )
    assert [c["amount"] for c in gateway_refunds] == [Decimal("10.00")]
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == Decimal("10.00")
    subjects = [m.subject for m in mailoutbox if order.number in m.subject]
    assert any("return request" in s for s in subjects)
    assert any("is approved" in s for s in subjects)
    assert any("arrived and is refunded" in s for s in subjects)
    assert Variant.objects.get(pk=line.variant_id).stock_on_hand == on_hand + 1

import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from notifications.exceptions import MalformedMessage
from notifications.models import NotificationLog
from notifications.services import envelope_parse, notification_message_handle
from orders.models import ShippingMethod
from orders.services.checkout import Address, checkout_submit
from orders.services.orders import order_mark_shipped
from orders.services.transitions import order_transition
from shop.models import CartLine
from tests.factories.shop import CartFactory, VariantFactory
from tests.notifications.helpers import envelope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body, error",
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({**envelope(), "type": "order.teleported"}), "unknown event type"),
        (
            json.dumps({"id": str(uuid.uuid4()), "type": "order.placed"}),
            "missing fields",
        ),
        (json.dumps({**envelope(), "id": "42"}), "bad event id"),
        (json.dumps({**envelope(), "data": "x"}), "data is not an object"),
    ],
)
def test_malformed_messages_are_refused_with_the_reason(body, error):
    with pytest.raises(MalformedMessage, match=error):
        envelope_parse(body)


def test_envelope_is_found_in_sns_and_eventbridge_wrappers():
    event = envelope("order.delivered")
    sns_wrapped = json.dumps({"Type": "Notification", "Message": json.dumps(event)})
    bridge_wrapped = json.dumps(
        {
            "detail-type": "order.delivered",
            "source": "securecart.orders",
            "detail": event,
        }
    )
    assert envelope_parse(sns_wrapped) == event
    assert envelope_parse(bridge_wrapped) == event


def test_channel_ignores_event_types_outside_its_filter():
    body = json.dumps(envelope("order.placed"))
    assert notification_message_handle(channel="sms", body=body) == ["ignored"]
    assert not NotificationLog.objects.exists()


def test_email_channel_without_an_address_is_malformed():
    body = json.dumps(envelope("order.placed", number="SC-NOMAIL01", email=""))
    with pytest.raises(MalformedMessage, match="no email address"):
        notification_message_handle(channel="email", body=body)


def test_placed_and_shipped_emails_use_the_order_from_the_database(
    django_capture_on_commit_callbacks, monkeypatch
):
    # given a real checkout in the embedded default (eager Celery, in-process bus);
    # the fulfilment workflow is replaced by the state machine calls staff would make
    monkeypatch.setattr("orders.services.placement.fulfilment_start", lambda **kw: None)
    variant = VariantFactory(stock_on_hand=5, price=Decimal("12.50"))
    method, _ = ShippingMethod.objects.get_or_create(
        code="standard", defaults={"name": "Standard", "price": Decimal("5.00")}
    )
    cart = CartFactory()
    CartLine.objects.create(
        cart=cart, variant=variant, quantity=2, unit_price=variant.price
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = checkout_submit(
            idempotency_key=uuid.uuid4().hex,
            cart_token=cart.token,
            user=None,
            email="ada@example.com",
            phone="+44 20 7946 0000",
            sms_opt_in=False,
            address=Address(
                name="Ada Lovelace",
                line1="1 Analytical St",
                city="London",
                postal_code="N1 1AA",
                country="GB",
            ),
            shipping_method=method.code,
            payment_token="tok_visa",
        )
    order = result.order
    with django_capture_on_commit_callbacks(execute=True):
        order = order_transition(order=order, to="processing")
        order_mark_shipped(order=order, tracking_number="1Z999AA1", carrier="UPS")
    order.refresh_from_db()
    # then: one confirmation with the order's lines and totals, one shipped email
    subjects = [m.subject for m in mail.outbox]
    assert sorted(subjects) == [
        f"SecureCart: Order {order.number} confirmed",
        f"SecureCart: Order {order.number} has shipped",
    ]
    placed = next(m for m in mail.outbox if "confirmed" in m.subject)
    html = placed.alternatives[0][0]
    for part in (placed.body, html):
        assert variant.sku in part
        assert f"{order.total} {order.currency}" in part
    (shipped,) = [m for m in mail.outbox if "has shipped" in m.subject]
    assert "1Z999AA1" in shipped.body
    assert "https://www.ups.com/track?tracknum=1Z999AA1" in shipped.alternatives[0][0]
    # the log keeps what was sent, for staff
    shipped_log = NotificationLog.objects.get(event_type="order.shipped")
    assert shipped_log.body == shipped.body
    # no SMS without opt-in
    assert not NotificationLog.objects.filter(channel="sms").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_consumers_with_copies_of_one_event_send_once():
    body = json.dumps(envelope("order.delivered", number="SC-RACE0001"))
    outcomes: list = []
    barrier = threading.Barrier(2)

    def consume():
        try:
            barrier.wait(timeout=10)
            outcomes.append(notification_message_handle(channel="email", body=body))
        except Exception as exc:  # the loser may be told to retry later
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=consume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(mail.outbox) == 1
    assert ["sent"] in outcomes
    assert NotificationLog.objects.get().status == NotificationLog.Status.SENT
    # a redelivery afterwards is a duplicate
    assert notification_message_handle(channel="email", body=body) == ["duplicate"]
    assert len(mail.outbox) == 1

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from notifications.admin import notification_history
from notifications.models import NotificationLog, OutboxEvent
from notifications.services import notification_message_handle, outbox_publish
from tests.notifications.helpers import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser(
        username="root", email="root@example.com", password="pw-long-enough-123"
    )
    client.force_login(user)
    return client


def sent_log(number="SC-ADMIN001"):
    event = record("order.shipped", number=number, tracking_number="1Z5", carrier="UPS")
    outbox_publish(event_ids=[str(event.id)])  # in-process bus: sends email (+ SMS)
    return NotificationLog.objects.get(event_id=event.id, channel="email")


def test_order_page_helper_lists_sent_and_failed_notifications():
    log = sent_log()
    NotificationLog.objects.create(
        event_id=log.event_id,
        event_type="order.shipped",
        order_number=log.order_number,
        channel="sms",
        recipient="+1555",
        status="failed",
        error="not in E.164 format",
    )
    html = notification_history(log.order_number)
    assert "ada@example.com" in html and "Sent" in html
    assert "Failed" in html and "E.164" in html
    assert f"?order_number={log.order_number}" in html
    assert "No notifications yet" in notification_history("SC-NONE0001")


def test_staff_filter_the_log_by_order_number_and_cannot_edit(staff_client):
    log = sent_log("SC-ADMIN002")
    sent_log("SC-OTHER001")
    url = reverse("admin:notifications_notificationlog_changelist")
    page = staff_client.get(url, {"order_number": "SC-ADMIN002"})
    assert page.status_code == 200
    assert "SC-ADMIN002" in page.text and "SC-OTHER001" not in page.text
    change = staff_client.get(
        reverse("admin:notifications_notificationlog_change", args=[log.pk])
    )
    assert change.status_code == 200 and 'type="submit" value="Save"' not in change.text


def test_resend_action_sends_again_deliberately(staff_client):
    log = sent_log("SC-RESEND01")
    before = len(mail.outbox)
    response = staff_client.post(
        reverse("admin:notifications_notificationlog_changelist"),
        {"action": "resend", "_selected_action": [log.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert len(mail.outbox) == before + 1
    assert mail.outbox[-1].to == ["ada@example.com"]
    log.refresh_from_db()
    assert log.resend_count == 1 and log.status == "sent"
    # a redelivery of the event still sends nothing
    body = json.dumps(OutboxEvent.objects.get(pk=log.event_id).envelope())
    assert notification_message_handle(channel="email", body=body) == ["duplicate"]
    assert len(mail.outbox) == before + 1


def test_failed_messages_are_visible_to_staff(staff_client):
    from notifications.services import failed_message_record

    failed_message_record(
        channel="email",
        message_id="m-1",
        body="garbage",
        error="not JSON",
        receive_count=5,
    )
    page = staff_client.get(reverse("admin:notifications_failedmessage_changelist"))
    assert page.status_code == 200 and "m-1" in page.text and "not JSON" in page.text


def test_outbox_admin_lists_unpublished_and_publishes_on_demand(staff_client):
    event = record("order.placed", number="SC-OUTBOX01")  # on-commit never ran
    url = reverse("admin:notifications_outboxevent_changelist")
    page = staff_client.get(url, {"published_at__isempty": "1"})
    assert page.status_code == 200 and "SC-OUTBOX01" in page.text
    staff_client.post(url, {"action": "publish_now", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.published_at is not None
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]

"""Email previews in admin: every customer email rendered for a real order."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from notifications.models import NotificationLog
from notifications.services import EMAIL_SUBJECTS
from tests.factories.orders import OrderFactory, user_create

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/emails/"


@pytest.fixture
def staff(client):
    user = user_create(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_notificationlog"))
    client.force_login(user)
    return user


@pytest.mark.parametrize("event_type", sorted(EMAIL_SUBJECTS))
def test_each_email_renders_for_the_named_order_and_sends_nothing(
    client, staff, event_type
):
    order = OrderFactory(shipping_name="Grace Hopper")
    OrderFactory()  # newer: the preview must take the one named
    page = client.get(f"{URL}{event_type}/", {"order": order.number.lower()})
    assert page.status_code == 200
    html = page.content.decode()
    expected = EMAIL_SUBJECTS[event_type].format(number=order.number)
    assert f"Subject: SecureCart: {expected}" in html
    assert order.number in page.context["preview"].text
    full = client.get(f"{URL}{event_type}/html/", {"order": order.number})
    assert order.number in full.content.decode()
    assert full["Content-Security-Policy"].startswith("default-src 'none'")
    assert mail.outbox == [] and not NotificationLog.objects.exists()


def test_preview_refuses_unknown_emails_strangers_and_an_empty_shop(client, staff):
    assert client.get(URL).status_code == 404  # no order to preview with
    order = OrderFactory()
    assert client.get(f"{URL}order.exploded/").status_code == 404
    assert client.get(URL, {"order": "SC-NOPE"}).status_code == 404  # named, missing
    assert client.get(URL).status_code == 200  # the newest order
    client.force_login(user_create(is_staff=True))
    assert client.get(URL, {"order": order.number}).status_code == 403

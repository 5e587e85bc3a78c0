"""Guests get back to their order: "find my order" (number + email → an emailed,
signed, expiring link; the same answer whether or not it matched; throttled per
client IP), order links in every order email, and guest orders joining the
account that verifies their email address."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.urls import reverse

from accounts import signup
from notifications.services import notification_message_handle
from notifications.services.delivery import notification_context
from orders import tasks
from orders.lookup import lookup_token_make
from orders.models import Order
from tests.accounts.signup_mail import confirmation_path
from tests.factories.orders import OrderFactory, user_create
from tests.notifications.helpers import envelope

pytestmark = pytest.mark.django_db

FIND = "/orders/find/"
LINK = re.compile(r"https?://\S+/orders/find/open/\?t=\S+")


def _find(client, number: str, email: str):
    return client.post(FIND, {"number": number, "email": email})


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def guest_order() -> Order:
    return OrderFactory(email="Grace@Example.com", with_line=False)


def test_a_match_and_a_miss_get_the_same_answer_and_only_a_match_is_emailed(
    client, guest_order
):
    hit = _find(client, guest_order.number.lower(), "grace@example.COM")
    assert len(mail.outbox) == 1
    miss_number = _find(client, "SC-2222ZZZZ", "grace@example.com")
    miss_email = _find(client, guest_order.number, "someone@example.com")

    assert len(mail.outbox) == 1  # nothing more sent
    answers = {(r.status_code, r["Location"]) for r in (hit, miss_number, miss_email)}
    assert answers == {(302, "/orders/find/sent/")}
    (message,) = mail.outbox
    assert message.to == ["Grace@Example.com"]
    assert guest_order.number in message.subject
    assert len(LINK.findall(message.body)) == 1
    assert guest_order.access_token not in message.body  # a signed link, not the key


def test_the_page_asks_in_plain_words_and_refuses_bad_input_with_400(client):
    page = client.get(FIND)
    assert page.status_code == 200
    assert "Order number" in page.content.decode()
    bad = _find(client, "", "not-an-email")
    assert bad.status_code == 400 and not mail.outbox
    assert "Enter a valid email address." in bad.content.decode()


def test_the_emailed_link_opens_the_order_on_a_clean_url_and_for_this_browser(
    client, guest_order
):
    _find(client, guest_order.number, guest_order.email)
    (url,) = LINK.findall(mail.outbox[0].body)

    opened = client.get(_path(url))

    order_url = f"/orders/{guest_order.number}/"
    assert opened.status_code == 302 and opened["Location"] == order_url
    assert opened["Referrer-Policy"] == "no-referrer"
    page = client.get(order_url)
    assert page.status_code == 200 and guest_order.number in page.content.decode()
    # another browser without the link sees nothing
    assert client.__class__().get(order_url).status_code == 404


def test_a_forged_expired_or_stale_link_opens_nothing(client, guest_order, settings):
    good = lookup_token_make(number=guest_order.number, email=guest_order.email)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    other_salt = signing.TimestampSigner(salt="x").sign_object(
        {"n": guest_order.number, "e": "0" * 16}
    )
    for token in (forged, other_salt, "", "nonsense"):
        response = client.get("/orders/find/open/", {"t": token})
        assert response.status_code == 400, token
    # the email address changed since the link was made
    Order.objects.filter(pk=guest_order.pk).update(email="new@example.com")
    assert client.get("/orders/find/open/", {"t": good}).status_code == 400
    Order.objects.filter(pk=guest_order.pk).update(email=guest_order.email)
    # expired
    settings.ORDER_LOOKUP_LINK_SECONDS = -1
    assert client.get("/orders/find/open/", {"t": good}).status_code == 400
    assert client.get(f"/orders/{guest_order.number}/").status_code == 404


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_requests_beyond_the_limit_per_ip_get_429_and_nothing_is_looked_up(
    request, client, guest_order, settings, monkeypatch, backend
):
    if backend == "redis":
        request.getfixturevalue("redis_cache")
    settings.ORDER_LOOKUP_IP_MAX = 2
    settings.ORDER_LOOKUP_WINDOW_SECONDS = 600
    queued: list[dict] = []
    monkeypatch.setattr(
        tasks.lookup_email_task, "delay", lambda **kw: queued.append(kw)
    )

    for _ in range(2):
        assert _find(client, "SC-2222ZZZZ", "x@example.com").status_code == 302
    limited = _find(client, guest_order.number, guest_order.email)

    assert limited.status_code == 429
    retry_after = int(limited["Retry-After"])
    if backend == "redis":
        # the window's remaining time: it began with the first request just now
        assert 540 < retry_after <= 600
    else:
        assert retry_after == 600  # no TTL to read: the whole window
    assert "Too many requests" in limited.content.decode()
    assert len(queued) == 2 and guest_order.number not in str(queued)
    # another client address has its own count
    other = client.post(
        FIND,
        {"number": guest_order.number, "email": guest_order.email},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302 and len(queued) == 3


@pytest.mark.parametrize("event", ["order.placed", "order.shipped", "order.cancelled"])
def test_every_order_email_links_to_the_order_page(event, settings):
    settings.SITE_URL = "https://shop.example.com"
    guest = OrderFactory(with_line=False)
    customer = OrderFactory(with_line=False, user=user_create())

    guest_context = notification_context(envelope(event, number=guest.number))
    owned_context = notification_context(envelope(event, number=customer.number))

    assert guest_context["order_url"] == (
        f"https://shop.example.com/orders/{guest.number}/?token={guest.access_token}"
    )
    assert owned_context["order_url"] == (
        f"https://shop.example.com/orders/{customer.number}/"
    )


def test_an_order_email_carries_the_link_in_text_and_html(settings):
    settings.SITE_URL = "https://shop.example.com"
    order = OrderFactory(with_line=False)
    body = envelope("order.placed", number=order.number)
    assert notification_message_handle(channel="email", body=json.dumps(body)) == [
        "sent"
    ]
    (message,) = mail.outbox
    link = f"https://shop.example.com/orders/{order.number}/?token="
    assert f"See your order: {link}" in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}' in html and "View your order" in html


def test_guest_orders_join_the_account_that_verifies_their_email(client):
    mine = OrderFactory(email="Ada@Example.com", with_line=False)
    also_mine = OrderFactory(email="ada@example.com", with_line=False)
    someone_else = OrderFactory(email="grace@example.com", with_line=False)
    other_account = user_create()
    owned = OrderFactory(email="ada@example.com", user=other_account, with_line=False)

    client.post(
        reverse("accounts:signup"),
        {
            "email": "ADA@example.com",
            "username": "",
            "password1": "analytical-engine-1843",
            "password2": "analytical-engine-1843",
        },
    )
    (message,) = mail.outbox
    # before the address is proven nothing moves
    assert not Order.objects.filter(user__email__iexact="ada@example.com").exists()
    client.post(confirmation_path(message))

    ada = signup.User.objects.get(email__iexact="ada@example.com")
    assert ada.is_active
    assert set(Order.objects.filter(user=ada)) == {mine, also_mine}
    assert Order.objects.get(pk=someone_else.pk).user is None
    assert Order.objects.get(pk=owned.pk).user == other_account
    page = client.get("/orders/")
    assert mine.number in page.content.decode()


def test_an_unused_confirmation_link_attaches_nothing():
    order = OrderFactory(email="lin@example.com", with_line=False)
    signup.signup_request_handle(
        email="lin@example.com",
        username="",
        password_hash="!",
        next_url="",
        domain="testserver",
        use_https=False,
    )
    assert Order.objects.get(pk=order.pk).user is None

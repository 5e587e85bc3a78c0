"""Account existence does not leak through password reset timing, and sign-up
cannot be used to test addresses at speed."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import tasks
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_reset_sends_the_email_from_the_task_queue_not_the_request(client, monkeypatch):
    UserFactory(email="ada@example.com")
    queued = []
    monkeypatch.setattr(
        tasks.password_reset_email_task, "delay", lambda **kw: queued.append(kw)
    )

    known = client.post(
        reverse("accounts:password_reset"), {"email": "ada@example.com"}
    )
    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}
    )

    # the request does the same for both and sends nothing itself
    assert (known.status_code, known["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    assert mail.outbox == []
    assert [q["email"] for q in queued] == ["ada@example.com", "nobody@example.com"]
    # the worker sends to the account that exists, and to no one else
    assert tasks.password_reset_email_task.run(**queued[0]) == 1
    assert tasks.password_reset_email_task.run(**queued[1]) == 0
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_signup_is_throttled_per_client_ip(client, settings):
    settings.ACCOUNTS_SIGNUP_IP_MAX = 3
    url = reverse("accounts:signup")
    codes = [
        client.post(
            url,
            {"email": f"probe{n}@example.com", "password1": "x", "password2": "y"},
            REMOTE_ADDR="192.0.2.50",
        ).status_code
        for n in range(5)
    ]

    assert codes == [400, 400, 400, 429, 429]
    other = client.post(url, {"email": "a@example.com"}, REMOTE_ADDR="192.0.2.51")
    assert other.status_code == 400
    assert "Retry-After" in client.post(url, {}, REMOTE_ADDR="192.0.2.50")

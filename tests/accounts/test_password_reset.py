"""Password reset by email, through the configured email backend."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-passphrase-77"


def test_reset_email_link_sets_a_new_password_once(client, settings):
    settings.SITE_NAME = "Harbour Goods"
    user = UserFactory(username="ada", email="ada@example.com")

    response = client.post(
        reverse("accounts:password_reset"), {"email": "ADA@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    # The shop's name, not the host the request came in on.
    assert message.subject == "Reset your Harbour Goods password"
    assert "your Harbour Goods account" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body)
    assert link, message.body

    # The confirm view swaps the token for a session-held one before showing the form.
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    reused = client.get(link.group(1), follow=True)
    assert not reused.context["validlink"]


def test_reset_for_unknown_email_looks_the_same_and_sends_nothing(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_change_page_works_for_signed_in_user(client):
    from tests.factories.accounts import PASSWORD

    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

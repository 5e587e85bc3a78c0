"""Sign-up, sign-in by username or email, sign-out."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.exceptions import EmailAlreadyInUse
from accounts.models import User
from tests.accounts.signup_mail import confirmation_path
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    data = {
        "email": "Ada@Example.com",
        "username": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def test_signup_with_email_only_creates_account_and_signs_in(client):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "Ada@example.com"  # domain normalised, local part kept
    assert user.username  # derived from the email
    assert "@" not in user.username
    assert user.check_password(PASSWORD)
    # not before the emailed link is followed
    assert not user.is_active
    assert SESSION_KEY not in client.session

    client.post(confirmation_path(mail.outbox[-1]))

    user.refresh_from_db()
    assert user.is_active
    assert client.session[SESSION_KEY] == str(user.pk)


def test_signup_with_username_keeps_it(client):
    _signup(client, username="ada.l")

    assert User.objects.get().username == "ada.l"


def test_signup_refuses_a_taken_username(client):
    UserFactory(username="ada.l", email="someone@example.com")

    response = _signup(client, username="ADA.L")

    assert response.status_code == 400
    assert "That username is taken." in response.content.decode()
    assert mail.outbox == []


def test_signup_with_email_used_in_other_letter_case_changes_nothing(client):
    owner = UserFactory(username="ada", email="ada@example.com")

    response = _signup(client, email="ADA@EXAMPLE.COM")

    # the usual answer; the owner is told by email, the account is untouched
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    assert "already exists" not in client.get(response["Location"]).content.decode()
    assert User.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert User.objects.get().password == owner.password


def test_signup_refuses_mismatched_and_weak_passwords(client):
    response = _signup(client, password2=PASSWORD + "x")
    assert response.status_code == 400
    assert "do not match" in response.content.decode()

    response = _signup(client, password1="12345678", password2="12345678")
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_username_with_at_sign(client):
    response = _signup(client, username="other@example.com")

    assert response.status_code == 400
    assert not User.objects.exists()


def test_database_refuses_duplicate_email_in_any_case():
    UserFactory(username="one", email="same@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="two", email="SAME@example.com")


def test_blank_emails_may_repeat_for_staff_accounts():
    User.objects.create(username="ops1", email="")
    User.objects.create(username="ops2", email="")

    assert User.objects.filter(email="").count() == 2


def test_user_create_service_raises_domain_error_on_duplicate_email():
    UserFactory(username="ada", email="ada@example.com")

    with pytest.raises(EmailAlreadyInUse):
        services.user_create(email="Ada@example.com", password=PASSWORD)


@pytest.mark.parametrize("login", ["grace", "grace@example.com", "GRACE@Example.COM"])
def test_sign_in_by_username_or_email(client, login):
    user = UserFactory(username="grace", email="grace@example.com")

    response = client.post(
        reverse("accounts:login"), {"username": login, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_sign_in_with_an_email_longer_than_a_username_can_be(client):
    email = "a" * 160 + "@example.com"
    user = UserFactory(username="longmail", email=email)

    response = client.post(
        reverse("accounts:login"), {"username": email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_header_links_to_account_or_sign_up(client):
    anonymous = client.get(reverse("accounts:login")).content.decode()
    client.force_login(UserFactory())
    signed_in = client.get(reverse("accounts:account")).content.decode()

    assert 'href="/accounts/signup/"' in anonymous
    assert 'href="/accounts/"' in signed_in


def test_wrong_password_is_refused_with_a_clear_message(client):
    UserFactory(username="grace")

    response = client.post(
        reverse("accounts:login"), {"username": "grace", "password": "nope"}
    )

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "do not match an account" in response.content.decode()


def test_inactive_user_cannot_sign_in(client):
    UserFactory(username="gone", is_active=False)

    response = client.post(
        reverse("accounts:login"), {"username": "gone", "password": PASSWORD}
    )

    assert SESSION_KEY not in client.session
    assert response.status_code == 200


def test_login_redirects_only_to_safe_next(client):
    UserFactory(username="grace")
    url = reverse("accounts:login")

    ok = client.post(
        url, {"username": "grace", "password": PASSWORD, "next": "/accounts/addresses/"}
    )
    client.logout()
    evil = client.post(
        url,
        {"username": "grace", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert ok["Location"] == "/accounts/addresses/"
    assert evil["Location"] == "/"


def test_sign_out_needs_post(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_signed_in_header_shows_sign_out_form(client):
    client.force_login(UserFactory())

    page = client.get(reverse("accounts:account")).content.decode()

    assert 'action="/accounts/logout/"' in page
    assert "Sign out" in page


def test_account_page_requires_sign_in(client):
    response = client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_account_page_updates_details_keeping_email_unique(client):
    UserFactory(username="other", email="taken@example.com")
    user = UserFactory(username="me", email="me@example.com")
    client.force_login(user)
    url = reverse("accounts:account")

    clash = client.post(
        url, {"email": "TAKEN@example.com", "phone": "", "current_password": PASSWORD}
    )
    saved = client.post(
        url,
        {
            "email": "new@example.com",
            "phone": "+15415550100",
            "sms_opt_in": "on",
            "current_password": PASSWORD,
        },
    )

    assert clash.status_code == 400
    assert saved.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.phone, user.sms_opt_in) == (
        "new@example.com",
        "+15415550100",
        True,
    )


def test_admin_user_page_shows_addresses_and_refuses_duplicate_email(client):
    from tests.factories.accounts import AddressFactory, StaffUserFactory

    client.force_login(StaffUserFactory())
    UserFactory(username="first", email="dup@example.com")
    address = AddressFactory()

    page = client.get(reverse("admin:accounts_user_change", args=[address.user.pk]))
    assert page.status_code == 200
    assert address.line1 in page.content.decode()

    second = UserFactory(username="second", email="")
    change = client.get(reverse("admin:accounts_user_change", args=[second.pk]))
    form = change.context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if key in {"username", "first_name", "last_name", "phone"}
    }
    data.update(
        {
            "email": "DUP@example.com",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        }
    )
    refused = client.post(reverse("admin:accounts_user_change", args=[second.pk]), data)
    assert refused.status_code == 200
    assert "already exists" in refused.content.decode()
    second.refresh_from_db()
    assert second.email == ""

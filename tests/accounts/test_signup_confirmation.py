"""Sign-up by email confirmation: the answer never tells whether an address has
an account; the emailed link activates the account once and signs the customer in."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password
from django.core import mail, signing
from django.urls import reverse

from accounts import signup, tasks
from accounts.models import User
from shop.models import CartLine
from tests.accounts.signup_mail import confirmation_path
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.shop import VariantFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "analytical-engine-1843"


def _signup(client, email: str, password: str = NEW_PASSWORD, **extra):
    data = {
        "email": email,
        "username": "",
        "password1": password,
        "password2": password,
    }
    return client.post(reverse("accounts:signup"), {**data, **extra})


def _answer(response, client) -> tuple:
    page = client.get(response["Location"])
    return (
        response.status_code,
        response["Location"],
        sorted(response.cookies.keys()),
        page.status_code,
        page.content.decode(),
    )


def test_new_and_known_email_get_the_same_answer_and_nothing_is_sent_inline(
    client, monkeypatch
):
    owner = UserFactory(username="ada", email="ada@example.com")
    queued = []
    monkeypatch.setattr(
        tasks.signup_email_task, "delay", lambda **kw: queued.append(kw)
    )

    known = _signup(client, "ada@example.com")
    known_answer = _answer(known, client)
    new = _signup(client, "grace@example.com")
    new_answer = _answer(new, client)

    assert known_answer == new_answer
    assert known.status_code == 302
    assert known["Location"] == reverse("accounts:signup_sent")
    assert "Check your email" in known_answer[-1]
    assert "already" not in known_answer[-1].replace("already has an account", "")
    # the request itself sends nothing, creates nothing, signs no one in
    assert mail.outbox == []
    assert list(User.objects.values_list("email", flat=True)) == ["ada@example.com"]
    assert SESSION_KEY not in client.session
    # only a hash of the password goes to the queue
    assert [q["email"] for q in queued] == ["ada@example.com", "grace@example.com"]
    assert all(NEW_PASSWORD not in str(q) for q in queued)
    assert all(check_password(NEW_PASSWORD, q["password_hash"]) for q in queued)

    # the worker: the owner gets a note, the new address a confirmation link
    assert tasks.signup_email_task.run(**queued[0]) == "known"
    assert tasks.signup_email_task.run(**queued[1]) == "confirm"
    note, confirm = mail.outbox
    assert note.to == ["ada@example.com"]
    assert "tried to create" in note.subject
    assert "http://testserver/accounts/login/" in note.body
    assert "http://testserver/accounts/password/reset/" in note.body
    assert "/signup/confirm/" not in note.body
    assert confirm.to == ["grace@example.com"]
    assert "Confirm your" in confirm.subject
    assert confirmation_path(confirm)
    # the known account is untouched
    owner_after = User.objects.get(email="ada@example.com")
    assert (owner_after.password, owner_after.is_active) == (owner.password, True)
    pending = User.objects.get(email="grace@example.com")
    assert not pending.is_active
    assert pending.check_password(NEW_PASSWORD)


def test_link_activates_signs_in_merges_the_cart_and_keeps_next(client):
    board = VariantFactory(sku="BOARD", stock_on_hand=10)
    client.post(f"/p/{board.product.slug}/", {"sku": "BOARD", "quantity": "2"})
    _signup(client, "grace@example.com", next="/cart/")
    link = confirmation_path(mail.outbox[-1])
    assert "next=%2Fcart%2F" in link

    shown = client.get(link)
    assert shown.status_code == 200
    assert "Confirm my account" in shown.content.decode()
    assert not User.objects.get().is_active  # a GET (a mail scanner) changes nothing

    response = client.post(link)

    user = User.objects.get()
    assert user.is_active
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    assert client.session[SESSION_KEY] == str(user.pk)
    lines = CartLine.objects.filter(cart__user=user).values_list(
        "variant__sku", "quantity"
    )
    assert list(lines) == [("BOARD", 2)]


def test_next_to_another_site_is_dropped(client):
    _signup(client, "grace@example.com", next="https://evil.example/")
    link = confirmation_path(mail.outbox[-1])

    response = client.post(link + "?next=https://evil.example/")

    assert "evil" not in link
    assert response["Location"] == "/"


def test_used_link_is_refused_and_changes_nothing(client):
    _signup(client, "grace@example.com")
    link = confirmation_path(mail.outbox[-1])
    client.post(link)
    client.logout()

    again = client.post(link)
    shown = client.get(link)

    assert again.status_code == shown.status_code == 400
    assert "already been used" in again.content.decode()
    assert SESSION_KEY not in client.session


def test_expired_link_is_refused_and_changes_nothing(client, settings, monkeypatch):
    settings.ACCOUNTS_SIGNUP_CONFIRM_SECONDS = 3600
    real = signing.TimestampSigner.timestamp
    monkeypatch.setattr(
        signing.TimestampSigner,
        "timestamp",
        lambda self: signing.b62_encode(signing.b62_decode(real(self)) - 3601),
    )
    _signup(client, "grace@example.com")
    link = confirmation_path(mail.outbox[-1])
    monkeypatch.undo()

    response = client.post(link)

    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not User.objects.get().is_active
    assert SESSION_KEY not in client.session


def test_forged_link_is_refused(client):
    _signup(client, "grace@example.com")
    user = User.objects.get()
    forged = signing.TimestampSigner(salt="other").sign_object({"u": user.pk})

    response = client.post(reverse("accounts:signup_confirm", args=[forged]))

    assert response.status_code == 400
    assert not User.objects.get().is_active


def test_signing_up_again_resends_and_only_the_latest_link_works(client):
    # someone else got there first with the address and a password of their own
    _signup(client, "grace@example.com", password="someone-elses-pass-99")
    first = confirmation_path(mail.outbox[-1])
    _signup(client, "grace@example.com")
    second = confirmation_path(mail.outbox[-1])

    assert [m.to for m in mail.outbox] == [["grace@example.com"]] * 2
    assert User.objects.count() == 1
    assert client.post(first).status_code == 400
    assert client.post(second).status_code == 302
    user = User.objects.get()
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password("someone-elses-pass-99")


def test_deactivated_account_is_not_revived_by_sign_up(client):
    user = UserFactory(username="gone", email="gone@example.com", is_active=False)
    User.objects.filter(pk=user.pk).update(last_login="2026-01-01T00:00:00Z")

    response = _signup(client, "gone@example.com")

    assert response["Location"] == reverse("accounts:signup_sent")
    assert mail.outbox == []
    assert not User.objects.get().is_active


@pytest.mark.parametrize("password", [NEW_PASSWORD, "wrong-password-42"])
def test_unconfirmed_account_cannot_sign_in_and_gets_the_usual_refusal(
    client, password
):
    _signup(client, "grace@example.com")
    UserFactory(username="other", email="other@example.com")

    pending = client.post(
        reverse("accounts:login"),
        {"username": "grace@example.com", "password": password},
    )
    wrong = client.post(
        reverse("accounts:login"),
        {"username": "other@example.com", "password": "wrong-password-42"},
    )

    assert SESSION_KEY not in client.session
    assert pending.status_code == wrong.status_code == 200
    assert "do not match an account" in pending.content.decode()
    assert "inactive" not in pending.content.decode()


def test_signed_in_customer_is_sent_to_the_account_page(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:signup"))["Location"] == reverse(
        "accounts:account"
    )


def test_token_names_the_pending_state_not_the_password():
    user = UserFactory(username="p", email="p@example.com", is_active=False)

    token = signup.signup_token_make(user=user)

    assert PASSWORD not in token
    assert user.password not in token
    assert signup.signup_token_check(token=token) == user

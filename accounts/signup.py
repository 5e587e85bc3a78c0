"""Services of sign-up by email confirmation.

The request only validates the form and queues `accounts.tasks.signup_email_task`;
everything that depends on whether the address has an account happens here, in a
worker, so the page answers the same for any address. A new address gets an
inactive account (it cannot sign in) and a signed, timestamped link; following it
activates the account.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .exceptions import SignupLinkInvalid
from .models import User
from .services import username_from_email
from .signals import email_verified

logger = logging.getLogger(__name__)

SIGNUP_SALT = "accounts.signup.confirm"
SIGNUP_CONFIRM_TEMPLATES = (
    "registration/account_signup_confirm_subject.txt",
    "registration/account_signup_confirm_email.txt",
)
SIGNUP_KNOWN_TEMPLATES = (
    "registration/account_signup_known_subject.txt",
    "registration/account_signup_known_email.txt",
)


def _pending_state(user: User) -> str:
    """A fingerprint of what a confirmation link was issued for.

    It changes when the pending sign-up is replaced (new password), when the
    account is activated and when it is first signed in to, so a link works once
    and only for the latest sign-up of an address.
    """
    material = f"{user.pk}|{user.password}|{user.is_active}|{user.last_login}"
    return salted_hmac(SIGNUP_SALT, material).hexdigest()[:24]


def signup_token_make(*, user: User) -> str:
    """A signed, timestamped token naming a pending (inactive) account."""
    return signing.TimestampSigner(salt=SIGNUP_SALT).sign_object(
        {"u": user.pk, "s": _pending_state(user)}
    )


def _signup_mail(
    *, templates: tuple[str, str], user: User, context: dict[str, Any]
) -> None:
    context = {**context, "user": user, "site_name": settings.SITE_NAME}
    subject_template, body_template = templates
    subject = " ".join(render_to_string(subject_template, context).split())
    send_mail(
        subject,
        render_to_string(body_template, context),
        None,
        [user.email],
    )


def _site_url(*, domain: str, use_https: bool, path: str) -> str:
    return f"{'https' if use_https else 'http'}://{domain}{path}"


def _pending_user_store(*, email: str, username: str, password_hash: str) -> User:
    """Create the inactive account of a new sign-up, or replace a pending one's
    password (the latest sign-up of an address is the one a link confirms)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        user.password = password_hash
        user.save(update_fields=["password"])
        return user
    username = username or username_from_email(email)
    if User.objects.filter(username__iexact=username).exists():
        # Taken since the form checked it: the customer can change it later.
        username = username_from_email(email)
    user = User(username=username, email=email, is_active=False)
    user.password = password_hash
    with transaction.atomic():
        user.save()
    return user


def signup_request_handle(
    *,
    email: str,
    username: str,
    password_hash: str,
    next_url: str,
    domain: str,
    use_https: bool,
) -> str:
    """Answer a sign-up by email, out of the request (accounts.tasks).

    A new address gets an inactive account and a confirmation link; a pending one
    gets a fresh link for the latest password; an active account's owner is told
    that someone tried to sign up with it, with the sign-in and reset links.
    Returns what was done: "confirm", "known" or "none" (a deactivated account).
    """
    email = User.objects.normalize_email(email.strip())
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and existing.is_active:
        login = reverse("accounts:login")
        reset = reverse("accounts:password_reset")
        _signup_mail(
            templates=SIGNUP_KNOWN_TEMPLATES,
            user=existing,
            context={
                "login_url": _site_url(domain=domain, use_https=use_https, path=login),
                "reset_url": _site_url(domain=domain, use_https=use_https, path=reset),
            },
        )
        return "known"
    if existing is not None and existing.last_login is not None:
        # Deactivated by staff after use: sign-up does not bring it back.
        logger.info("sign-up for a deactivated account ignored")
        return "none"
    try:
        user = _pending_user_store(
            email=email, username=username, password_hash=password_hash
        )
    except IntegrityError:
        # A concurrent sign-up of the same address won the insert: update that one.
        user = _pending_user_store(
            email=email, username="", password_hash=password_hash
        )
    path = reverse(
        "accounts:signup_confirm", kwargs={"token": signup_token_make(user=user)}
    )
    if next_url:
        path = f"{path}?{urlencode({'next': next_url})}"
    _signup_mail(
        templates=SIGNUP_CONFIRM_TEMPLATES,
        user=user,
        context={
            "confirm_url": _site_url(domain=domain, use_https=use_https, path=path),
            "days": max(1, settings.ACCOUNTS_SIGNUP_CONFIRM_SECONDS // 86400),
        },
    )
    return "confirm"


def _signup_user_for_token(*, token: str, lock: bool) -> User:
    try:
        payload = signing.TimestampSigner(salt=SIGNUP_SALT).unsign_object(
            token, max_age=settings.ACCOUNTS_SIGNUP_CONFIRM_SECONDS
        )
    except signing.BadSignature as error:  # also SignatureExpired
        raise SignupLinkInvalid("bad or expired signature") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise SignupLinkInvalid("malformed payload")
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=int(payload["u"])).first()
    if (
        user is None
        or user.is_active
        or user.last_login is not None
        or payload.get("s") != _pending_state(user)
    ):
        raise SignupLinkInvalid("used, replaced or unknown")
    return user


def signup_token_check(*, token: str) -> User:
    """The pending account a confirmation link names; SignupLinkInvalid if the
    link is forged, expired, used or replaced by a later sign-up. Changes nothing."""
    return _signup_user_for_token(token=token, lock=False)


@transaction.atomic
def signup_confirm(*, token: str) -> User:
    """Activate the pending account a valid confirmation link names.

    The row lock makes two clicks on one link activate once: the second sees an
    active account and is refused.
    """
    user = _signup_user_for_token(token=token, lock=True)
    user.is_active = True
    user.save(update_fields=["is_active"])
    # The address is proven now: e.g. orders attaches its guest orders.
    email_verified.send(sender=User, user=user)
    return user

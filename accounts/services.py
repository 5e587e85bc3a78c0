"""Writes of the accounts app: accounts and saved addresses (sign-up: signup.py)."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from securecart.addresses import FIELDS
from securecart.text import strip_bidi

from .exceptions import EmailAlreadyInUse, UsernameAlreadyInUse
from .models import Address, User
from .selectors import email_in_use

# A saved address: the postal address and phone, and whether it is the default.
ADDRESS_FIELDS = (*FIELDS, "is_default")


def _clean(fields: dict[str, object]) -> dict[str, object]:
    """Address fields without bidirectional controls (securecart.text)."""
    return {
        name: strip_bidi(value) if isinstance(value, str) else value
        for name, value in fields.items()
    }


def username_from_email(email: str) -> str:
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0])[:30] or "customer"
    candidate = base
    while User.objects.filter(username=candidate).exists():
        candidate = f"{base}-{secrets.token_hex(3)}"
    return candidate


def user_create(
    *,
    email: str,
    password: str,
    username: str = "",
    phone: str = "",
    sms_opt_in: bool = False,
) -> User:
    """Create a customer account; email is required and unique in any letter case.

    Without a username one is derived from the email, so customers may sign up
    with just email + password and sign in with either.
    """
    email = User.objects.normalize_email(email.strip())
    if email_in_use(email=email):
        raise EmailAlreadyInUse(email)
    username = username.strip() or username_from_email(email)
    user = User(username=username, email=email, phone=phone, sms_opt_in=sms_opt_in)
    user.set_password(password)
    try:
        # The savepoint keeps a caller's transaction usable after a lost race.
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        # Two sign-ups racing past the check above: the database decides.
        if email_in_use(email=email):
            raise EmailAlreadyInUse(email) from error
        if User.objects.filter(username=username).exists():
            raise UsernameAlreadyInUse(username) from error
        raise
    return user


def user_update_profile(
    *,
    user: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    sms_opt_in: bool = False,
) -> User:
    """Change a customer's contact details; the email stays unique in any case."""
    email = User.objects.normalize_email(email.strip())
    if email_in_use(email=email, exclude_user=user):
        raise EmailAlreadyInUse(email)
    user.email = email
    user.first_name = strip_bidi(first_name)
    user.last_name = strip_bidi(last_name)
    user.phone = phone
    user.sms_opt_in = sms_opt_in
    try:
        with transaction.atomic():
            user.save(
                update_fields=[
                    "email",
                    "first_name",
                    "last_name",
                    "phone",
                    "sms_opt_in",
                ]
            )
    except IntegrityError as error:
        raise EmailAlreadyInUse(email) from error
    return user


RESET_EMAIL_TEMPLATE = "registration/account_password_reset_email.txt"
RESET_SUBJECT_TEMPLATE = "registration/account_password_reset_subject.txt"


def password_reset_email_send(*, email: str, domain: str, use_https: bool) -> int:
    """Email a reset link to the active accounts that use `email`; return how many.

    Runs in a worker (accounts.tasks), never in the request: the page answers the
    same, in the same time, whether or not an account uses the address.
    """
    from django.contrib.auth.forms import PasswordResetForm

    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(form.cleaned_data["email"]))
    if users:
        form.save(
            domain_override=domain,
            use_https=use_https,
            email_template_name=RESET_EMAIL_TEMPLATE,
            subject_template_name=RESET_SUBJECT_TEMPLATE,
            # domain_override would also name the shop after the host name.
            extra_email_context={"site_name": settings.SITE_NAME},
        )
    return len(users)


def _clear_other_defaults(*, user: User, keep_pk: int | None) -> None:
    others = Address.objects.filter(user=user, is_default=True)
    if keep_pk is not None:
        others = others.exclude(pk=keep_pk)
    others.update(is_default=False)


@transaction.atomic
def address_create(*, user: User, **fields: object) -> Address:
    """Save a new address for the customer; the first one becomes the default."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {sorted(unknown)}")
    # Lock the user's row so two concurrent "make default" saves serialise.
    User.objects.select_for_update().filter(pk=user.pk).first()
    address = Address(user=user, **_clean(fields))
    if not Address.objects.filter(user=user).exists():
        address.is_default = True
    if address.is_default:
        _clear_other_defaults(user=user, keep_pk=None)
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_update(*, address: Address, **fields: object) -> Address:
    """Change a saved address; making it the default unsets the previous one."""
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {sorted(unknown)}")
    User.objects.select_for_update().filter(pk=address.user_id).first()
    for name, value in _clean(fields).items():
        setattr(address, name, value)
    if address.is_default:
        _clear_other_defaults(user=address.user, keep_pk=address.pk)
    address.full_clean()
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete a saved address; if it was the default, the newest other one takes over."""
    user_id = address.user_id
    User.objects.select_for_update().filter(pk=user_id).first()
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = (
            Address.objects.filter(user_id=user_id)
            .order_by("-updated_at", "-pk")
            .first()
        )
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


@transaction.atomic
def address_save_unless_known(*, user: User, **fields: object) -> Address:
    """Save an address typed at checkout unless the customer already has it.

    Checkout offers "save this address"; a resubmitted or repeated step must not
    fill the address book with copies, so an identical saved address is reused.
    """
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {sorted(unknown)}")
    # Lock the user's row so two concurrent submits see each other's insert.
    User.objects.select_for_update().filter(pk=user.pk).first()
    same = {
        name: value for name, value in _clean(fields).items() if name != "is_default"
    }
    existing = Address.objects.filter(user=user, **same).first()
    if existing is not None:
        return existing
    return address_create(user=user, **fields)

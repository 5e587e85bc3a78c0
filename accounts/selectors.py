"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Address, User


def address_list_for_user(*, user: User) -> QuerySet[Address]:
    """Return the customer's saved addresses, default first, newest next.

    Anonymous users get an empty QuerySet, so checkout may call this for anyone.
    """
    if not getattr(user, "is_authenticated", False):
        return Address.objects.none()
    return Address.objects.filter(user=user).order_by(
        "-is_default", "-updated_at", "-pk"
    )


def address_get_for_user(*, user: User, pk: int) -> Address:
    """Return one of the customer's addresses; another user's raises DoesNotExist."""
    return address_list_for_user(user=user).get(pk=pk)


def user_find_by_login(*, login: str) -> User | None:
    """Return the account a sign-in name refers to: email if it has '@', else username.

    A username may itself contain '@' (admin-made accounts), so an email miss
    falls back to the username.
    """
    login = login.strip()
    if not login:
        return None
    if "@" in login:
        user = User.objects.filter(email__iexact=login).first()
        if user is not None:
            return user
    return User.objects.filter(username=login).first()


def email_in_use(*, email: str, exclude_user: User | None = None) -> bool:
    queryset = User.objects.filter(email__iexact=email.strip())
    if exclude_user is not None:
        queryset = queryset.exclude(pk=exclude_user.pk)
    return queryset.exists()

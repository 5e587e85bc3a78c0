"""Customer API tokens: issue, rotate, revoke (services; docs/api.md explains them).

djangorestframework-simplejwt signs the tokens and its token_blacklist app records
every refresh token (OutstandingToken) and every revoked one (BlacklistedToken).
On top of it:

- a *family*: the `fam` claim is set at sign-in and kept by every rotation, so one
  device's chain of refresh tokens can be revoked as a whole;
- reuse detection: a refresh token is exchanged once, under a row lock; presenting
  it again (a copy was stolen, or the app is confused) revokes its whole family;
- a password fingerprint (`pwd`, an HMAC of the password hash): after any password
  change or reset, old access and refresh tokens are refused at once.

Access tokens are not recorded: they are refused when they expire
(API_ACCESS_TOKEN_SECONDS), when the password changes or the account is deactivated.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken

from .exceptions import TokenInvalid, TokenReused
from .models import User

FAMILY_CLAIM = "fam"
PASSWORD_CLAIM = "pwd"  # noqa: S105 - a claim name, not a secret
_FINGERPRINT_SALT = "accounts.tokens.password"


def password_fingerprint(user: AbstractBaseUser) -> str:
    """Changes whenever the password does (any path: API, pages, admin, reset)."""
    return salted_hmac(_FINGERPRINT_SALT, user.password).hexdigest()[:20]


def token_matches_password(payload: Any, user: AbstractBaseUser) -> bool:
    claim = payload.get(PASSWORD_CLAIM)
    return isinstance(claim, str) and constant_time_compare(
        claim, password_fingerprint(user)
    )


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_in: int
    refresh_expires_in: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "access": self.access,
            "refresh": self.refresh,
            "token_type": "Bearer",
            "access_expires_in": self.access_expires_in,
            "refresh_expires_in": self.refresh_expires_in,
        }


def _pair(*, user: User, family: str) -> TokenPair:
    access_seconds = settings.API_ACCESS_TOKEN_SECONDS
    refresh_seconds = settings.API_REFRESH_TOKEN_SECONDS
    refresh = RefreshToken()
    refresh.set_exp(lifetime=timedelta(seconds=refresh_seconds))
    refresh["user_id"] = user.pk
    refresh[FAMILY_CLAIM] = family
    refresh[PASSWORD_CLAIM] = password_fingerprint(user)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh["jti"],
        token=str(refresh),
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(seconds=refresh_seconds),
    )
    access = AccessToken()
    access.set_exp(lifetime=timedelta(seconds=access_seconds))
    for claim in ("user_id", FAMILY_CLAIM, PASSWORD_CLAIM):
        access[claim] = refresh[claim]
    return TokenPair(
        access=str(access),
        refresh=str(refresh),
        access_expires_in=access_seconds,
        refresh_expires_in=refresh_seconds,
    )


@transaction.atomic
def token_pair_issue(*, user: User) -> TokenPair:
    """Sign a customer in on a new device: a new family, last_login updated
    (which also retires any sign-up confirmation link, as the storefront does)."""
    update_last_login(User, user)
    return _pair(user=user, family=secrets.token_urlsafe(12))


def _decode_refresh(raw: object) -> dict[str, Any]:
    """The payload of a genuine refresh token (signature and expiry checked)."""
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        raise TokenInvalid("no token")
    try:
        # UntypedToken checks signature and expiry but not the blacklist: a
        # revoked token is recognised here, then judged below.
        payload = dict(UntypedToken(cast(Any, raw)).payload)
    except TokenError as error:
        raise TokenInvalid(str(error)) from error
    if payload.get("token_type") != "refresh" or not payload.get("jti"):
        raise TokenInvalid("not a refresh token")
    return payload


def _live_family_tokens(*, user_id: Any, family: str) -> list[OutstandingToken]:
    live = OutstandingToken.objects.filter(
        user_id=user_id, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    found = []
    for outstanding in live:
        try:
            payload = UntypedToken(cast(Any, outstanding.token), verify=False).payload
        except TokenError:
            continue
        if payload.get(FAMILY_CLAIM) == family:
            found.append(outstanding)
    return found


def _blacklist(tokens: list[OutstandingToken]) -> int:
    for outstanding in tokens:
        BlacklistedToken.objects.get_or_create(token=outstanding)
    return len(tokens)


def _refresh_locked(payload: dict[str, Any]) -> TokenPair | TokenInvalid:
    """The rotation itself, in a transaction; a refusal is returned, not raised,
    so that the revocation it made commits."""
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=payload["jti"])
        .select_related("user")
        .first()
    )
    if outstanding is None or outstanding.user is None:
        return TokenInvalid("unknown token")
    user = outstanding.user
    family = str(payload.get(FAMILY_CLAIM, ""))
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        _blacklist(_live_family_tokens(user_id=user.pk, family=family))
        return TokenReused("refresh token reused: family revoked")
    if not user.is_active or not token_matches_password(payload, user):
        # Password changed or reset since, or account disabled: the whole
        # family goes, not only this token.
        _blacklist(_live_family_tokens(user_id=user.pk, family=family))
        return TokenInvalid("account disabled or password changed")
    BlacklistedToken.objects.create(token=outstanding)
    return _pair(user=user, family=family)


def token_refresh(*, raw: object) -> TokenPair:
    """Exchange a refresh token for a new pair of the same family (rotation).

    The old one is revoked in the same transaction, under its row's lock, so
    two concurrent exchanges of one token cannot both succeed. A revoked token
    presented again revokes its whole family (TokenReused).
    """
    payload = _decode_refresh(raw)
    with transaction.atomic():
        outcome = _refresh_locked(payload)
    if isinstance(outcome, TokenInvalid):
        raise outcome
    return outcome


@transaction.atomic
def token_family_revoke(*, raw: object) -> int:
    """Sign out one device: revoke the token's family; returns how many tokens."""
    payload = _decode_refresh(raw)
    outstanding = OutstandingToken.objects.filter(jti=payload["jti"]).first()
    if outstanding is None:
        raise TokenInvalid("unknown token")
    family = str(payload.get(FAMILY_CLAIM, ""))
    tokens = _live_family_tokens(user_id=outstanding.user_id, family=family)
    return _blacklist(tokens)


def tokens_flush_expired() -> int:
    """Delete refresh-token records past their expiry (revoked or not): an expired
    token is refused by its signature's `exp` alone. Returns how many went."""
    _, per_model = OutstandingToken.objects.filter(
        expires_at__lte=timezone.now()
    ).delete()
    return per_model.get(OutstandingToken._meta.label, 0)

"""The signed link of a "find my order" email.

It names the order and a fingerprint of its email address, is signed with the
secret key (salted for this use only) and expires after ORDER_LOOKUP_LINK_SECONDS.
The link never carries the order's access token: following it puts that token in
the browser's session, then the browser goes on to the clean order URL.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

LOOKUP_SALT = "orders.lookup.link"


def _email_mark(number: str, email: str) -> str:
    material = f"{number}|{email.strip().lower()}"
    return salted_hmac(LOOKUP_SALT, material).hexdigest()[:16]


def lookup_token_make(*, number: str, email: str) -> str:
    """A signed, timestamped token for the order `number` placed with `email`."""
    return signing.TimestampSigner(salt=LOOKUP_SALT).sign_object(
        {"n": number, "e": _email_mark(number, email)}
    )


def lookup_token_number(*, token: str) -> tuple[str, str] | None:
    """(order number, email fingerprint) a valid token names; None when it is
    forged, malformed or expired."""
    try:
        payload = signing.TimestampSigner(salt=LOOKUP_SALT).unsign_object(
            token, max_age=settings.ORDER_LOOKUP_LINK_SECONDS
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict):
        return None
    number, mark = payload.get("n"), payload.get("e")
    if not isinstance(number, str) or not isinstance(mark, str):
        return None
    return number, mark


def lookup_mark_matches(*, number: str, email: str, mark: str) -> bool:
    """Whether `mark` was made for this order's current email address."""
    return constant_time_compare(_email_mark(number, email), mark)

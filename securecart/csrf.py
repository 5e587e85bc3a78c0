"""A CSRF token as `django.middleware.csrf.get_token` makes it, with its
randomness drawn in one read of the OS's random source per string.

Django draws each of the 64 characters of a new token (32 of the secret that goes
in the cookie, 32 of the mask) with its own `secrets.choice`: 64 reads of the
random source, a third of the CPU of a cached product page for a visitor without
a CSRF cookie. `csrf_token` takes the same uniformly random characters of
CSRF_ALLOWED_CHARS from one `secrets.token_bytes` call per string (a byte is kept
only below the largest multiple of the alphabet's length, so each character stays
equally likely), keeps the secret where Django keeps it (`request.META`, for the
middleware to set the cookie) and masks it as Django does, so the middleware
checks it as its own. With CSRF_USE_SESSIONS, Django's own `get_token` runs.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_CHARS = CSRF_ALLOWED_CHARS
# Bytes at or above this would make the first characters more likely.
_BELOW = 256 - 256 % len(_CHARS)


def random_chars(length: int) -> str:
    """`length` characters of CSRF_ALLOWED_CHARS, each uniformly random."""
    found: list[str] = []
    while len(found) < length:
        for byte in secrets.token_bytes(length + 8):
            if byte < _BELOW:
                found.append(_CHARS[byte % len(_CHARS)])
                if len(found) == length:
                    break
    return "".join(found)


def csrf_token(request: HttpRequest) -> str:
    """The masked token for a form, the cookie's secret made first if the
    request has none (what `get_token` returns and does)."""
    if settings.CSRF_USE_SESSIONS:
        return get_token(request)
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_chars(CSRF_SECRET_LENGTH)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = random_chars(CSRF_SECRET_LENGTH)
    cipher = "".join(
        _CHARS[(_CHARS.index(s) + _CHARS.index(m)) % len(_CHARS)]
        for s, m in zip(secret, mask, strict=True)
    )
    return mask + cipher

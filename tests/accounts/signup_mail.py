"""Reading the sign-up confirmation link out of an email (shared by the tests)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/signup/confirm/\S+")


def confirmation_url(message) -> str:
    """The one confirmation link in an email; fails if there is not exactly one."""
    (url,) = CONFIRM_LINK.findall(message.body)
    return url


def confirmation_path(message) -> str:
    """The link's path and query, for the Django test client."""
    parts = urlsplit(confirmation_url(message))
    return f"{parts.path}?{parts.query}" if parts.query else parts.path

"""The guest orders this browser may open: {number: access token} in its session.

The thank-you page, an order link (`?token=`) and a "find my order" email link put
an order here; the order page reads it, so the token never has to stay in a URL.
"""

from __future__ import annotations

from django.http import HttpRequest

ORDERS_SESSION_KEY = "orders_placed"


def browser_order_remember(request: HttpRequest, *, number: str, token: str) -> None:
    placed = dict(request.session.get(ORDERS_SESSION_KEY) or {})
    placed[number] = token
    request.session[ORDERS_SESSION_KEY] = placed


def browser_order_token(request: HttpRequest, *, number: str) -> str | None:
    token = (request.session.get(ORDERS_SESSION_KEY) or {}).get(number.upper())
    return token if isinstance(token, str) else None

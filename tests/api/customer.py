"""A mobile app's calls, for the customer API tests: JSON bodies, bearer tokens."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.test import Client

from tests.factories.accounts import PASSWORD


def call(
    client: Client,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    ip: str | None = None,
    **headers: str,
):
    """One API request; `token` goes in `Authorization: Bearer`, `ip` is the
    caller's address (REMOTE_ADDR)."""
    if token:
        headers["Authorization"] = f"Bearer {token}"
    kwargs: dict[str, Any] = {"headers": headers}
    if ip:
        kwargs["REMOTE_ADDR"] = ip
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method.lower())(f"/api/v1/{path}", **kwargs)


def sign_in(client: Client, login: str, password: str = PASSWORD, **extra: Any) -> dict:
    response = call(
        client, "post", "auth/token/", {"login": login, "password": password, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()


def checkout(client: Client, cart_id: str, token: str | None, **extra: str):
    from tests.factories.orders import ADDRESS

    body = {
        "cart_id": cart_id,
        "email": "ada@example.com",
        "shipping_address": dict(ADDRESS),
        "shipping_method": "standard",
        "payment_token": "tok_visa",
    }
    return call(
        client,
        "post",
        "checkout/",
        body,
        token=token,
        **{"Idempotency-Key": uuid.uuid4().hex, **extra},
    )

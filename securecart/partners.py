"""Partner calls that came through Amazon API Gateway (infra/terraform/modules/api-gateway).

API Gateway adds two headers to every request it proxies to the load balancer:
`X-Api-Partner`, the id of the caller's API key, and `X-Api-Gateway-Verify`, a
secret only it knows (API_GATEWAY_VERIFY_SECRET, from Secrets Manager) — the same
pattern as CloudFront's origin-verify header. A request is a partner call only when
it carries that secret: anyone can send an `X-Api-Partner` header to the storefront
through CloudFront, nobody but API Gateway can send the secret. The key id is mapped
to a partner name by API_GATEWAY_PARTNERS (written by Terraform); an unmapped id is
its own name (a key added since the last deploy of the app).

DRF throttles count a partner call per partner (securecart.throttles) and every log
line of the request carries `partner` (securecart.logging).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare

VERIFY_HEADER = "X-Api-Gateway-Verify"
PARTNER_HEADER = "X-Api-Partner"
_VERIFY_META = "HTTP_X_API_GATEWAY_VERIFY"
_PARTNER_META = "HTTP_X_API_PARTNER"
# API key ids are short alphanumerics; anything else is not from API Gateway.
_VALID_KEY_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_UNSET = object()

partner_var: ContextVar[str | None] = ContextVar("api_partner", default=None)


def api_partner(request: HttpRequest) -> str | None:
    """The partner a request came from through API Gateway, or None.

    None unless API_GATEWAY_VERIFY_SECRET is set and the request carries it.
    """
    cached = getattr(request, "api_partner", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    secret = settings.API_GATEWAY_VERIFY_SECRET
    if not secret:
        return None
    given = request.META.get(_VERIFY_META, "")
    if not given or not constant_time_compare(given, secret):
        return None
    key_id = request.META.get(_PARTNER_META, "").strip()
    if not _VALID_KEY_ID.match(key_id):
        return None
    return settings.API_GATEWAY_PARTNERS.get(key_id, key_id)


class ApiPartnerMiddleware:
    """Set request.api_partner and the partner of the request's log lines."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        partner = api_partner(request)
        request.api_partner = partner  # type: ignore[attr-defined]
        token = partner_var.set(partner)
        try:
            return self.get_response(request)
        finally:
            partner_var.reset(token)

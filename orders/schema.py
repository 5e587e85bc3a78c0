"""OpenAPI description of the checkout authentication (drf-spectacular extension)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class SessionUserIfCsrfValidScheme(OpenApiAuthenticationExtension):
    target_class = "orders.apis.SessionUserIfCsrfValid"
    name = "csrfCheckedCookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}

"""DRF authentication of customers by API access token (accounts/tokens.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from .tokens import token_matches_password


class CustomerTokenAuthentication(JWTAuthentication):
    """`Authorization: Bearer <access token>`; no header → the next class
    (the session). A token issued before the password last changed, or for a
    deactivated account, is refused (401) like an expired one."""

    www_authenticate_realm = "api"

    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)  # also refuses inactive accounts
        if not token_matches_password(validated_token, user):
            raise AuthenticationFailed(
                "The password has changed: sign in again.", code="token_not_valid"
            )
        return user


class CustomerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.CustomerTokenAuthentication"
    name = "customerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme name, not a secret
            bearer_format="JWT",
        )
        scheme["description"] = (
            "Access token from POST /api/v1/auth/token/ (short-lived; renew it "
            "with the refresh token at POST /api/v1/auth/token/refresh/)."
        )
        return scheme

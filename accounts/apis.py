"""Customer API, signing in and out: register, verify, tokens, password reset.

Thin entry points: the storefront's forms hold the sign-up rules, accounts.signup
and accounts.tokens do the work, accounts.throttling counts (the same counters as
the storefront's pages). These endpoints take no session and so need no CSRF
token; they answer JSON errors `{"detail", "code"}` or `{field: [messages]}`.
Contract: docs/api.md.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.services import cart_attach_guest

from . import signup as signups
from . import tokens
from .api_serializers import (
    DetailSerializer,
    ErrorSerializer,
    PasswordResetSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    VerifySerializer,
    form_errors,
)
from .exceptions import SignupLinkInvalid, TokenInvalid
from .forms import SignUpForm
from .tasks import password_reset_email_task, signup_email_task
from .throttling import (
    LoginThrottle,
    PasswordResetThrottle,
    ResetVerdict,
    signup_allowed,
    signup_email_allowed,
)

REGISTER_SENT = "Check your email: follow the link in it to confirm your address."
RESET_SENT = (
    "If an account uses this address, we have emailed a link to reset its password."
)


def problem(detail: str, code: str, status_code: int, **headers: str) -> Response:
    response = Response({"detail": detail, "code": code}, status=status_code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class PublicApi(APIView):
    """No session, no CSRF: a bearer token is not needed on these either."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class RegisterApi(PublicApi):
    @extend_schema(
        operation_id="auth_register",
        request=RegisterSerializer,
        responses={202: DetailSerializer, 400: dict, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        if not signup_allowed(request._request):
            return problem(
                "Too many sign-ups from this network: try again later.",
                "throttled",
                429,
                Retry_After=str(settings.ACCOUNTS_SIGNUP_WINDOW_SECONDS),
            )
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # The storefront's sign-up form: the same email, username and password rules.
        form = SignUpForm(
            data={
                "email": data["email"],
                "username": data["username"],
                "password1": data["password"],
                "password2": data["password"],
            }
        )
        if not form.is_valid():
            return Response(
                form_errors(form, {"password1": "password", "password2": "password"}),
                status=status.HTTP_400_BAD_REQUEST,
            )
        email = form.cleaned_data["email"]
        if signup_email_allowed(email):
            # The same answer for any address; the task emails a confirmation link
            # or tells an existing account's owner (accounts/signup.py).
            signup_email_task.delay(
                email=email,
                username=form.cleaned_data["username"],
                password_hash=make_password(form.cleaned_data["password1"]),
                next_url="",
                domain=request.get_host(),
                use_https=request.is_secure(),
            )
        return Response({"detail": REGISTER_SENT}, status=status.HTTP_202_ACCEPTED)


class VerifyApi(PublicApi):
    @extend_schema(
        operation_id="auth_verify",
        request=VerifySerializer,
        responses={200: DetailSerializer, 400: dict},
    )
    def post(self, request: Request) -> Response:
        body = VerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            signups.signup_confirm(token=body.validated_data["token"])
        except SignupLinkInvalid:
            return problem(
                "This confirmation link is invalid, used or expired: sign up again.",
                "link_invalid",
                400,
            )
        return Response({"detail": "Your account is ready: sign in."})


class TokenObtainApi(PublicApi):
    @extend_schema(
        operation_id="auth_token_obtain",
        request=TokenObtainSerializer,
        responses={
            200: TokenPairSerializer,
            400: dict,
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        body = TokenObtainSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # The storefront's counters: per account and per client IP, failures only.
        throttle = LoginThrottle.for_request(request._request, data["login"])
        if not throttle.attempt():
            return problem(
                "Too many failed sign-in attempts: wait, or reset your password.",
                "throttled",
                429,
                Retry_After=str(throttle.retry_after()),
            )
        user = authenticate(
            request._request, username=data["login"], password=data["password"]
        )
        if user is None:
            return problem(
                "That email/username and password do not match an active account.",
                "invalid_credentials",
                401,
                WWW_Authenticate='Bearer realm="api"',
            )
        throttle.record_success()
        pair = tokens.token_pair_issue(user=user)
        cart = cart_attach_guest(token=data["cart_id"], user=user)
        return Response({**pair.as_dict(), "cart_id": cart.token if cart else None})


def _token_refused(error: TokenInvalid) -> Response:
    return problem(
        "The refresh token is invalid, expired or revoked: sign in again.",
        error.code,
        401,
        WWW_Authenticate='Bearer realm="api"',
    )


def _refresh_token(request: Request) -> str:
    body = RefreshSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["refresh"]


class TokenRefreshApi(PublicApi):
    @extend_schema(
        operation_id="auth_token_refresh",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: dict, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        try:
            pair = tokens.token_refresh(raw=_refresh_token(request))
        except TokenInvalid as error:
            return _token_refused(error)
        return Response(pair.as_dict())


class TokenRevokeApi(PublicApi):
    @extend_schema(
        operation_id="auth_token_revoke",
        request=RefreshSerializer,
        responses={204: None, 400: dict, 401: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        """Sign this device out: its refresh token's family is revoked."""
        try:
            tokens.token_family_revoke(raw=_refresh_token(request))
        except TokenInvalid as error:
            return _token_refused(error)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(PublicApi):
    @extend_schema(
        operation_id="auth_password_reset",
        request=PasswordResetSerializer,
        responses={202: DetailSerializer, 400: dict, 429: DetailSerializer},
    )
    def post(self, request: Request) -> Response:
        body = PasswordResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            email = forms.EmailField(max_length=254).clean(body.validated_data["email"])
        except ValidationError as error:
            return Response(
                {"email": error.messages}, status=status.HTTP_400_BAD_REQUEST
            )
        verdict = PasswordResetThrottle.for_request(
            request._request, email
        ).count_request()
        if verdict is ResetVerdict.IP_LIMIT:
            # As the storefront: per caller only, so the 429 tells nothing about
            # the address; the answer is still the neutral one.
            response = Response({"detail": RESET_SENT}, status=429)
            response["Retry-After"] = str(
                settings.ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS
            )
            return response
        if verdict is ResetVerdict.ALLOWED:
            password_reset_email_task.delay(
                email=email,
                domain=request.get_host(),
                use_https=request.is_secure(),
            )
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)

"""Storefront account pages: thin skins over accounts services and selectors."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from . import services
from . import signup as signups
from .exceptions import EmailAlreadyInUse, SignupLinkInvalid
from .forms import AddressForm, LoginForm, ProfileForm, SignUpForm
from .models import Address, User
from .selectors import address_get_for_user, address_list_for_user
from .tasks import password_reset_email_task, signup_email_task
from .throttling import PasswordResetThrottle, ResetVerdict, signup_allowed

logger = logging.getLogger(__name__)

BACKEND = "accounts.backends.UsernameOrEmailBackend"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
            response["Retry-After"] = str(getattr(form, "retry_after", 1))
        return response


# django.contrib.admin ships registration/password_*.html for its own pages and
# comes first in INSTALLED_APPS, so the storefront's templates carry an
# "account_" prefix and are named explicitly.
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/account_password_reset_form.html"
    email_template_name = "registration/account_password_reset_email.txt"
    subject_template_name = "registration/account_password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        verdict = PasswordResetThrottle.for_request(
            self.request, form.cleaned_data["email"]
        ).count_request()
        if verdict is ResetVerdict.IP_LIMIT:
            # The per-IP count depends only on the caller's own request rate, never
            # on the address or on whether an account uses it, so a 429 leaks
            # nothing and tells an honest but busy network to slow down. The page
            # is still the neutral "check your email" one.
            return render(self.request, PasswordResetDoneView.template_name, status=429)
        if verdict is ResetVerdict.EMAIL_LIMIT:
            # Over the per-address limit: the usual redirect, nothing sent. A
            # distinct status here would tell anyone that this address has had
            # resets requested lately, i.e. that someone cares about it.
            logger.info("password reset throttled for one address")
            return HttpResponseRedirect(self.get_success_url())
        # Looked up and sent by a worker after this answer: the same redirect in the
        # same time whether or not an account uses the address.
        password_reset_email_task.delay(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/account_password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/account_password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/account_password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/account_password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/account_password_change_done.html"


def _customer(request: HttpRequest) -> User:
    # Only called behind @login_required.
    return cast(User, request.user)


def _posted(request: HttpRequest) -> Any:
    # An empty POST must still bind the form, so that it reports missing fields.
    return request.POST if request.method == "POST" else None


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:account")
    if request.method == "POST" and not signup_allowed(request):
        # Counted per client IP whatever the outcome, so sign-up cannot be used
        # to test many addresses quickly.
        response = render(
            request,
            "registration/signup.html",
            {"form": SignUpForm(), "next": "", "throttled": True},
            status=429,
        )
        response["Retry-After"] = str(settings.ACCOUNTS_SIGNUP_WINDOW_SECONDS)
        return response
    form = SignUpForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        # The same work and the same answer for any address: the password is
        # hashed here either way, and whether an account uses the address is
        # looked up by the task, which sends a confirmation link or a note to the
        # owner (accounts/signup.py). Only the hash goes through the broker.
        signup_email_task.delay(
            email=form.cleaned_data["email"],
            username=form.cleaned_data["username"],
            password_hash=make_password(form.cleaned_data["password1"]),
            next_url=_safe_next(request, ""),
            domain=request.get_host(),
            use_https=request.is_secure(),
        )
        return redirect("accounts:signup_sent")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": _safe_next(request, "")},
        status=status,
    )


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/account_signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST activates: a mail scanner fetching the link
    neither uses it up nor signs anyone in, and no other site can sign a visitor
    in to an account of its own choosing (the POST needs the CSRF token)."""
    template = "registration/account_signup_confirm.html"
    try:
        if request.method == "POST":
            user = signups.signup_confirm(token=token)
        else:
            pending = signups.signup_token_check(token=token)
    except SignupLinkInvalid:
        return render(request, template, {"invalid": True}, status=400)
    if request.method == "GET":
        return render(
            request, template, {"pending": pending, "next": _safe_next(request, "")}
        )
    # Signals user_logged_in: the shop merges the anonymous cart there.
    auth_login(request, user, backend=BACKEND)
    messages.success(request, "Welcome! Your account is ready.")
    return redirect(_safe_next(request, "/"))


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(_posted(request), instance=_customer(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(user=_customer(request), **form.cleaned_data)
        except EmailAlreadyInUse:
            form.add_error("email", "Another account already uses this email address.")
        else:
            messages.success(request, "Your details were saved.")
            return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "addresses": address_list_for_user(user=_customer(request))[:3],
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/address_list.html",
        {"addresses": address_list_for_user(user=_customer(request))},
    )


def _own_address(request: HttpRequest, pk: int) -> Address:
    # Someone else's address is indistinguishable from a missing one.
    try:
        return address_get_for_user(user=_customer(request), pk=pk)
    except Address.DoesNotExist as error:
        raise Http404("No such address.") from error


def _address_form_page(
    request: HttpRequest, form: AddressForm, address: Address | None
) -> HttpResponse:
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "address": address},
        status=400 if form.is_bound else 200,
    )


def _save_address(form: AddressForm, save: Any) -> bool:
    try:
        save(**form.cleaned_data)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def address_create(request: HttpRequest) -> HttpResponse:
    form = AddressForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if _save_address(
            form,
            lambda **fields: services.address_create(user=_customer(request), **fields),
        ):
            messages.success(request, "Address saved.")
            return redirect(
                _safe_next(request, str(reverse_lazy("accounts:address_list")))
            )
    return _address_form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def address_update(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    form = AddressForm(_posted(request), instance=address)
    if request.method == "POST" and form.is_valid():
        if _save_address(
            form, lambda **fields: services.address_update(address=address, **fields)
        ):
            messages.success(request, "Address updated.")
            return redirect("accounts:address_list")
    return _address_form_page(request, form, address)


@login_required
@require_http_methods(["GET", "POST"])
def address_delete(request: HttpRequest, pk: int) -> HttpResponse:
    address = _own_address(request, pk)
    if request.method == "POST":
        services.address_delete(address=address)
        messages.success(request, "Address deleted.")
        return redirect("accounts:address_list")
    return render(request, "accounts/address_confirm_delete.html", {"address": address})

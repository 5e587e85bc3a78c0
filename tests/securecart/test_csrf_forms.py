"""Every POST form of the storefront and account pages carries a CSRF token, and
each of those endpoints refuses a POST without one (403)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories.accounts import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

# Not storefront pages: the admin (Django's own CSRF-protected forms), the JSON
# API (session auth enforces CSRF in DRF), probes and metrics.
EXCLUDED_PREFIXES = ("api/", "healthz", "readyz", "metrics", "static/", "media/")


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def has_token(self) -> bool:
        return bool(self.fields.get("csrfmiddlewaretoken"))


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(
                page=self.page,
                method=values.get("method", "get").lower(),
                action=urljoin(self.page, values.get("action") or self.page),
            )
            self.forms.append(self._current)
        elif self._current is not None and tag in {
            "input",
            "select",
            "textarea",
            "button",
        }:
            name = values.get("name")
            if name and values.get("type") not in {"submit", "button"}:
                self._current.fields[name] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _plain_routes() -> list[tuple[str, str]]:
    """Return (name, path) of every URL pattern that takes no arguments."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                space = pattern.namespace or namespace
                walk(pattern.url_patterns, prefix + route, space)
            elif isinstance(pattern, URLPattern) and not pattern.pattern.converters:
                if "(?P<" in route or "<" in route:
                    continue
                path = "/" + (prefix + route).lstrip("^").rstrip("$").replace("\\Z", "")
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                found.append((name, path))

    walk(get_resolver().url_patterns, "", "")
    admin = settings.ADMIN_URL
    return [
        (name, path)
        for name, path in found
        if not path.lstrip("/").startswith((admin, *EXCLUDED_PREFIXES))
    ]


def _shop_fixtures(user) -> dict[str, str]:
    """Pages with arguments that render forms: a product and a non-empty cart."""
    from tests.factories.shop import CartFactory, CartLineFactory, VariantFactory

    variant = VariantFactory()
    CartLineFactory(cart=CartFactory(user=user), variant=variant)
    return {
        "shop:product": reverse("shop:product", args=[variant.product.slug]),
        "shop:category": reverse("shop:category", args=[variant.product.category.slug]),
    }


def _collect_forms(client: Client, paths: list[str]) -> list[Form]:
    forms = []
    for path in paths:
        response = client.get(path, follow=True)
        if response.status_code != 200 or "text/html" not in response.get(
            "Content-Type", ""
        ):
            continue
        final = response.redirect_chain[-1][0] if response.redirect_chain else path
        parser = FormParser(urljoin("http://testserver", final))
        parser.feed(response.content.decode())
        forms.extend(parser.forms)
    return forms


@pytest.fixture
def site_forms(client):
    user = UserFactory()
    address = AddressFactory(user=user)
    routes = _plain_routes()
    paths = [path for _, path in routes]
    anonymous = _collect_forms(client, paths)  # sign-in, sign-up, reset pages

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    reset_confirm = reverse("accounts:password_reset_confirm", args=[uid, token])
    anonymous += _collect_forms(Client(), [reset_confirm])

    extra = {
        reverse("accounts:address_update", args=[address.pk]),
        reverse("accounts:address_delete", args=[address.pk]),
    }
    try:
        extra |= set(_shop_fixtures(user).values())
    except ImportError:  # shop factories absent: those pages are walked when present
        pass
    client.force_login(user)
    signed_in = _collect_forms(client, paths + sorted(extra))
    return user, routes, anonymous + signed_in


def test_url_discovery_finds_the_account_pages():
    names = {name for name, _ in _plain_routes()}

    assert {
        "accounts:login",
        "accounts:signup",
        "accounts:password_reset",
        "accounts:address_create",
        "accounts:account",
    } <= names


def test_every_post_form_has_a_csrf_token(site_forms):
    _, _, forms = site_forms
    post_forms = [form for form in forms if form.method == "post"]
    actions = {urlsplit(form.action).path for form in post_forms}

    # The walk really reached the forms that matter.
    for name in (
        "accounts:login",
        "accounts:logout",
        "accounts:signup",
        "accounts:password_reset",
        "accounts:address_create",
        "accounts:account",
        "accounts:password_change",
    ):
        assert reverse(name) in actions, name
    missing = [
        f"{form.page} -> {form.action}" for form in post_forms if not form.has_token
    ]
    assert missing == []


def test_post_without_token_is_refused_on_every_form_action(site_forms):
    user, _, forms = site_forms
    targets = {
        urlsplit(form.action).path: form for form in forms if form.method == "post"
    }
    assert len(targets) >= 8

    for signed_in in (False, True):
        strict = Client(enforce_csrf_checks=True)
        if signed_in:
            strict.force_login(user)
        for path, form in sorted(targets.items()):
            data = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
            response = strict.post(path, data)
            assert response.status_code == 403, (path, signed_in, response.status_code)
            assert b"CSRF verification failed" in response.content, path

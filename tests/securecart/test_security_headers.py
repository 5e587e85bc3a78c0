"""Security headers on real responses: CSP, HSTS, Referrer-Policy, framing, sniffing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from tests.services import ROOT

pytestmark = pytest.mark.django_db

STOREFRONT_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict_csp(header: str, *, img_extra: tuple[str, ...] = ()) -> None:
    csp = parse_csp(header)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline, no eval, no other origin
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", *img_extra]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


@pytest.mark.parametrize("path", STOREFRONT_PAGES + ["/"])
def test_storefront_pages_send_strict_csp_and_basic_headers(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_strict_csp(response["Content-Security-Policy"])
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_admin_login_sends_strict_csp(client):
    from django.urls import reverse

    response = client.get(reverse("admin:login"))

    assert response.status_code == 200
    assert_strict_csp(response["Content-Security-Policy"])
    assert response["X-Frame-Options"] == "DENY"


def test_error_pages_carry_the_policy_too(client):
    response = client.get("/accounts/addresses/999999/does-not-exist/")

    assert response.status_code == 404
    assert_strict_csp(response["Content-Security-Policy"])


def test_api_docs_page_relaxes_only_its_own_policy(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # Swagger UI comes from our static files, never from a CDN.
    assert "cdn" not in response["Content-Security-Policy"]
    # The init script is a separate file, not inline.
    html = response.content.decode()
    assert re.search(r"<script>\s*\S", html) is None
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in url for url in assets), assets
    for url in assets:
        assert url.startswith(("/static/", "/api/v1/docs/")), url


def test_api_docs_assets_are_found_by_collectstatic():
    from django.contrib.staticfiles import finders

    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        found = finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}")
        assert found, name


# Production values, as securecart/settings/production.py sets them.
PRODUCTION_SECURITY = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
    "SECURE_REDIRECT_EXEMPT": [r"^healthz$", r"^readyz$"],
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def test_override_values_match_production_settings():
    source = (ROOT / "securecart" / "settings" / "production.py").read_text()
    for name in PRODUCTION_SECURITY:
        assert re.search(rf"^{name} = ", source, re.M), name


@override_settings(**PRODUCTION_SECURITY)
def test_with_production_values_https_gets_hsts_and_http_redirects(client):
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/accounts/login/")

    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert secure["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert_strict_csp(secure["Content-Security-Policy"])
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert "Strict-Transport-Security" not in plain  # never over plain HTTP


PROBE = r"""
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client
# Production serves hashed static names from a manifest: build it, as a deploy does.
call_command("collectstatic", interactive=False, verbosity=0)
call_command("migrate", interactive=False, verbosity=0)
client = Client(HTTP_HOST="shop.example.com")
out = {}
for path in ("/accounts/login/", "/healthz"):
    response = client.get(path, HTTP_X_FORWARDED_PROTO="https")
    out[path] = {"status": response.status_code, "headers": dict(response.headers),
                 "cookies": {k: dict(v) for k, v in response.cookies.items()}}
print("PROBE" + json.dumps(out))
"""


@pytest.mark.slow
def test_real_production_settings_send_every_security_header(tmp_path):
    # given the real production settings module, in a process of its own
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_"))
    }
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
        "DJANGO_SECRET_KEY": "p" * 30 + "production-secret-key-for-the-header-test",
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        # The sign-in page reads the current site (django.contrib.sites, for the
        # footer's flat pages): a migrated database of the test's own.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "CLOUDFRONT_DOMAIN": "d1234abcd.cloudfront.net",
        "REDIS_URL": "",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    # when a page is fetched over (proxied) HTTPS
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    pages = json.loads(line[len("PROBE") :])

    # then every header is there, with the production values
    login = pages["/accounts/login/"]
    assert login["status"] == 200
    headers = login["headers"]
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert_strict_csp(
        headers["Content-Security-Policy"],
        img_extra=("https://d1234abcd.cloudfront.net",),
    )
    assert login["cookies"]["csrftoken"]["secure"] is True
    assert pages["/healthz"]["status"] == 200


# --- templates must not need what the policy forbids --------------------------
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _web_templates() -> list[Path]:
    found = []
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in base.rglob("*.html"):
            # Emails are read in mail clients, not under our CSP (and need inline styles).
            if "email" in path.relative_to(base).parts or path.name.endswith(
                "_email.html"
            ):
                continue
            found.append(path)
    return found


def test_web_templates_have_no_inline_script_style_or_handlers():
    templates = _web_templates()
    assert len(templates) >= 10
    offenders = []
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, INLINE_STYLE, JS_URL):
            match = pattern.search(text)
            if match:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert offenders == [], (
        "CSP forbids these; move them to static files:\n" + "\n".join(offenders)
    )

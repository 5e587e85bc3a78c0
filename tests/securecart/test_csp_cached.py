"""The CSP header is built once from the settings, yet says what django-csp says."""

from __future__ import annotations

import pytest
from csp.constants import NONCE
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from securecart.middleware import CSPMiddleware

pytestmark = pytest.mark.django_db


def _through(view, path: str = "/somewhere/"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(view)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


def test_a_page_gets_exactly_django_csps_policy_and_a_late_nonce_still_fails(client):
    response = client.get("/")

    assert response["Content-Security-Policy"] == build_policy()
    with pytest.raises(Exception, match="csp_nonce"):
        str(response.wsgi_request.csp_nonce)


def test_a_view_using_a_nonce_or_a_decorator_gets_its_own_policy(client):
    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    ):
        request, response = _through(with_nonce)
        assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
        # the next response without a nonce: the settings' policy, no stale nonce
        plain = _through(lambda r: HttpResponse("x"))[1]["Content-Security-Policy"]
        assert "'nonce-" not in plain and plain == build_policy()

    # the API docs page's decorator adds its inline style block; other pages never
    docs = client.get("/api/v1/docs/")
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get("/")["Content-Security-Policy"]


def test_settings_changes_exemptions_and_a_header_already_set_are_respected():
    def plain(request):
        return HttpResponse("x")

    def exempt(request):
        response = HttpResponse("x")
        response._csp_exempt = True
        return response

    def own_header(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert _through(exempt)[1].get("Content-Security-Policy") is None
    assert _through(own_header)[1]["Content-Security-Policy"] == "default-src 'none'"
    changed = {"DIRECTIVES": {"default-src": ["'self'", "https://cdn.example"]}}
    with override_settings(
        CONTENT_SECURITY_POLICY={**changed, "EXCLUDE_URL_PREFIXES": ["/skip/"]},
        CONTENT_SECURITY_POLICY_REPORT_ONLY=changed,
    ):
        response = _through(plain)[1]
        assert response["Content-Security-Policy"] == build_policy()
        assert "https://cdn.example" in response["Content-Security-Policy"]
        assert "https://cdn.example" in response["Content-Security-Policy-Report-Only"]
        assert _through(plain, "/skip/page")[1].get("Content-Security-Policy") is None
    assert "cdn.example" not in _through(plain)[1]["Content-Security-Policy"]

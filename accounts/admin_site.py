"""The project's admin site: Django's, with the throttled login form.

Installed through `accounts.admin_apps.SecureCartAdminConfig.default_site`, so every
`admin.site.register(...)` / `@admin.register` in the project lands here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse


class SecureCartAdminSite(admin.AdminSite):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .forms import AdminLoginForm

        self.login_form = AdminLoginForm

    def login(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().login(request, extra_context)
        form = getattr(response, "context_data", {}).get("form")
        if getattr(form, "throttled", False):
            response.status_code = 429
            response["Retry-After"] = str(getattr(form, "retry_after", 1))
        return response

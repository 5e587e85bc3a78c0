from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health
from .observability.exposition import metrics_view
from .storage import serve_private

# Swagger UI is served from our own static files (drf-spectacular-sidecar): no
# third-party script runs on the shop's origin. The docs page alone may use its one
# <style> block and data: images; the split view serves its init script as a file,
# so even here no inline script runs. Every other page keeps the strict CSP.
api_docs = csp_update(
    {
        "style-src": ["'unsafe-inline'"],
        "img-src": ["data:"],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))

api_v1 = [
    path("", include("shop.api_urls")),
    path("", include("orders.api_urls")),
    path("", include("promotions.api_urls")),
    # Customer accounts for apps: sign-in tokens, profile, addresses, cart.
    path("", include("accounts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
]


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page links: send them to the
    static file (its hashed, long-cached name in production)."""

    permanent = False

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        return static_url("favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Local private files behind expiring signed links (S3 presigns in AWS).
    path("private-media/<path:name>", serve_private, name="private-media"),
    path("metrics", metrics_view, name="metrics"),
    # Before admin.site.urls, whose catch-all would claim the path.
    path(f"{settings.ADMIN_URL}dashboard/", include("dashboard.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("accounts/", include("accounts.urls")),
    path("", include("orders.urls")),
    path("", include("promotions.urls")),
    # Footer pages staff edit in the admin (django.contrib.flatpages).
    path("pages/", include("django.contrib.flatpages.urls")),
    path("", include("shop.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# JSON under /api/, the project's pages elsewhere (securecart/errors.py).
handler400 = "securecart.errors.bad_request"
handler404 = "securecart.errors.page_not_found"
handler500 = "securecart.errors.server_error"

"""robots.txt and sitemap.xml."""

from __future__ import annotations

from django.contrib.sites.requests import RequestSite
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import caching
from .seo import site_base
from .sitemaps import SITEMAPS

# Pages with nothing for a search engine: personal, transactional or endless
# (filtered and sorted copies of listings say `noindex` and name their canonical).
DISALLOW = ("/cart/", "/checkout/", "/orders/", "/accounts/", "/api/", "/search/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    base = site_base(request)
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOW)]
    lines += ["", f"Sitemap: {base}{reverse('shop:sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """Every public page of the shop, cached under the catalog generation."""
    base = site_base(request)
    protocol, domain = base.split("://", 1)

    def build() -> str:
        site = RequestSite(request)
        site.domain = site.name = domain
        urls = []
        for section in SITEMAPS.values():
            urls.extend(section().get_urls(site=site, protocol=protocol))
        return render_to_string("sitemap.xml", {"urlset": urls})

    body = caching.catalog_cached(caching.catalog_key("sitemap", base), build)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")

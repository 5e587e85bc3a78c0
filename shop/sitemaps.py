"""sitemap.xml sections (django.contrib.sitemaps): home, categories, products, pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Category, Product


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["shop:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Category.objects.filter(is_active=True).order_by("pk").only("slug")

    def location(self, item: Category) -> str:
        return reverse("shop:category", args=[item.slug])


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return (
            Product.objects.filter(is_active=True, category__is_active=True)
            .order_by("pk")
            .only("slug", "updated_at")
        )

    def location(self, item: Product) -> str:
        return reverse("shop:product", args=[item.slug])

    def lastmod(self, item: Product):
        return item.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.3

    def items(self):
        return FlatPage.objects.filter(
            sites__id=settings.SITE_ID, registration_required=False
        ).order_by("url")


SITEMAPS: dict[str, type[Sitemap]] = {
    "home": HomeSitemap,
    "categories": CategorySitemap,
    "products": ProductSitemap,
    "pages": PageSitemap,
}

"""What search engines and link previews read: descriptions and JSON-LD data.

The data is built once with the cached page fragment (paths, not absolute URLs);
`shop.templatetags.seo_tags` makes the URLs absolute per request (SITE_URL).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from securecart.http import site_origin

SCHEMA_IN_STOCK = "https://schema.org/InStock"
SCHEMA_OUT_OF_STOCK = "https://schema.org/OutOfStock"


def meta_description(text: str, fallback: str, limit: int = 155) -> str:
    """One line of plain text, at most `limit` characters, for <meta description>."""
    plain = " ".join(strip_tags(text or "").split()) or fallback
    return Truncator(plain).chars(limit)


def _offer(product, variant) -> dict:
    sale = getattr(variant, "sale_price", None)
    url = reverse("shop:product", args=[product.slug]) + f"?variant={variant.sku}"
    return {
        "@type": "Offer",
        "sku": variant.sku,
        "name": variant.name,
        "price": f"{sale if sale is not None else variant.price:.2f}",
        "priceCurrency": variant.currency,
        "availability": SCHEMA_IN_STOCK
        if variant.available > 0
        else SCHEMA_OUT_OF_STOCK,
        "url": url,
    }


def product_json_ld(product, variants: list, chosen) -> dict:
    """schema.org Product with one Offer per variant (price, currency, availability)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "description": meta_description(product.description, product.name, 5000),
        "url": reverse("shop:product", args=[product.slug]),
        "category": product.category.name,
        "image": [image.image.name for image in product.images.all()],
        "offers": [_offer(product, variant) for variant in variants],
    }
    if chosen is not None:
        data["sku"] = chosen.sku
    return data


def site_base(request) -> str:
    """The shop's origin: SITE_URL, else this request's scheme and host."""
    return site_origin(request)


def absolute(request, url: str) -> str:
    """An absolute URL for a path (media URLs on a CDN already are)."""
    if not url or "://" in url:
        return url
    return site_base(request) + (url if url.startswith("/") else f"/{url}")

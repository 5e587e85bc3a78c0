"""Reads for the frame of every storefront page: menu, footer pages, cart count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Subquery

from .models import Cart, CartLine
from .selectors import CART_SESSION_KEY, category_list

if TYPE_CHECKING:
    from django.http import HttpRequest


def cart_item_count_for_request(request: HttpRequest) -> int:
    """Items in the request's cart (the header's count), in one query."""
    from django.db.models import Sum

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        latest = (
            Cart.objects.filter(user=user).order_by("-updated_at", "-id").values("pk")
        )
        lines = CartLine.objects.filter(cart_id=Subquery(latest[:1]))
    else:
        token = request.session.get(CART_SESSION_KEY)
        if not token or not isinstance(token, str):
            return 0
        lines = CartLine.objects.filter(cart__token=token, cart__user__isnull=True)
    return int(lines.aggregate(items=Sum("quantity"))["items"] or 0)


def category_menu() -> list[dict]:
    """Top-level active categories with their active children, as plain data
    (cacheable): [{"name", "slug", "children": [{"name", "slug"}]}] (one query)."""
    categories = list(category_list())
    return [
        {
            "name": top.name,
            "slug": top.slug,
            "children": [
                {"name": c.name, "slug": c.slug}
                for c in categories
                if c.parent_id == top.pk
            ],
        }
        for top in categories
        if top.parent_id is None
    ]


def footer_pages() -> list[dict]:
    """The staff-edited pages (django.contrib.flatpages) of this site: title, URL."""
    from django.contrib.flatpages.models import FlatPage

    pages = FlatPage.objects.filter(
        sites__id=settings.SITE_ID, registration_required=False
    ).order_by("url")
    return [{"title": p.title, "url": p.get_absolute_url()} for p in pages]

"""Absolute URLs and JSON-LD for the page head (shop.seo builds the data)."""

from __future__ import annotations

import json

from django import template
from django.core.files.storage import default_storage
from django.utils.safestring import mark_safe

from shop.seo import absolute

register = template.Library()

# JSON inside <script> must not close the element or open a comment.
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    return absolute(context["request"], path)


@register.simple_tag(takes_context=True)
def media_absolute_url(context, name: str) -> str:
    return absolute(context["request"], default_storage.url(name)) if name else ""


@register.simple_tag(takes_context=True)
def json_ld(context, data: dict | None) -> str:
    """A <script type="application/ld+json"> block: data, never run (the CSP's
    script-src does not apply to it), escaped so the text cannot end the element."""
    if not data:
        return ""
    request = context["request"]
    data = dict(data)
    data["url"] = absolute(request, data.get("url", ""))
    data["image"] = [
        absolute(request, default_storage.url(name)) for name in data.get("image", [])
    ]
    data["offers"] = [
        {**offer, "url": absolute(request, offer["url"])}
        for offer in data.get("offers", [])
    ]
    text = json.dumps(data, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308

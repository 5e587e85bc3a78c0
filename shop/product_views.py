"""The product page: gallery, variant choice (`?variant=SKU`), add to cart, related.

The chosen variant sets the main price and availability. Without JavaScript the
shopper picks a radio and presses "Show price" (a POST answered by a redirect to
`?variant=SKU`, a shareable URL); static/js/product.js does the same in place. The
page fragment is cached per (product, chosen variant) under the catalog generation,
and so is the whole page a plain visitor (no session, no messages) sees: only the
CSRF token is filled in per request. A `?variant=` that names no variant of the product redirects to the plain page and
is never cached.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from securecart.csrf import csrf_token

from . import caching, pricing, selectors, seo, services
from .exceptions import ShopError
from .filters import option_label
from .forms import AddToCartForm, add_shop_error
from .views import is_plain_visitor

CSRF_MARKER = "<!--csrf-token-->"
MAX_VARIANT_PARAM = 64


class VariantUnknown(Exception):
    """`?variant=` names no active variant of the product."""


def _option_names(variants: list) -> list[str]:
    names: list[str] = []
    for variant in variants:
        for name in (variant.options or {}).keys():
            if name not in names:
                names.append(str(name))
    return names


def _option_text(variant, names: list[str]) -> str:
    """What a variant is, in the shopper's words: "XL" or "M / Blue"."""
    values = [str(variant.options[n]) for n in names if n in (variant.options or {})]
    return " / ".join(values) or variant.name


def _chosen(variants: list, wanted: str):
    if wanted:
        for variant in variants:
            if variant.sku == wanted:
                return variant
        raise VariantUnknown(wanted)
    return next((v for v in variants if v.available > 0), None) or (
        variants[0] if variants else None
    )


def _product_context(product, form: AddToCartForm, *, wanted: str = "") -> dict:
    variants = list(product.variants.all())
    chosen = _chosen(variants, wanted)  # before any other read: junk costs little
    related = selectors.product_related(product=product, limit=4)
    pricing.products_attach_sale_prices([product, *related])
    names = _option_names(variants)
    for variant in variants:
        variant.option_text = _option_text(variant, names)
    images = list(product.images.all())
    return {
        "product": product,
        "variants": variants,
        "chosen": chosen,
        "option_legend": " / ".join(option_label(n) for n in names) or "Option",
        "images": images,
        "related": related,
        "form": form,
        "any_available": any(v.available > 0 for v in variants),
        "breadcrumbs": _breadcrumbs(product.category),
        "description": seo.meta_description(product.description, product.name),
        "image_names": [image.image.name for image in images],
    }


def _breadcrumbs(category) -> list:
    crumbs = [category]
    # select_related covers one parent; deeper trees cost one query per level.
    parent = category.parent
    while parent is not None and len(crumbs) < 6:
        crumbs.insert(0, parent)
        parent = parent.parent
    return crumbs


def _fragment(slug: str, wanted: str) -> dict:
    parts = (slug, wanted) if wanted else (slug,)
    key = caching.catalog_key("product", *parts)
    version, fragment = caching.catalog_get(key)
    if fragment is not None:
        return fragment
    product = selectors.product_get(slug=slug)
    if product is None:
        raise Http404("No such product.")
    variants = product.variants.all()
    context = _product_context(product, AddToCartForm(variants=variants), wanted=wanted)
    context["csrf_marker"] = mark_safe(CSRF_MARKER)  # noqa: S308
    fragment = {
        "title": product.name,
        "description": context["description"],
        "image_names": context["image_names"],
        "json_ld": seo.product_json_ld(product, context["variants"], context["chosen"]),
        "html": render_to_string("shop/_product.html", context),
    }
    caching.catalog_set(key, version, fragment)
    return fragment


def _page_context(slug: str, fragment: dict, html: str) -> dict:
    return {
        "title": fragment["title"],
        "description": fragment["description"],
        "canonical": reverse("shop:product", args=[slug]),
        "og_images": fragment["image_names"][:1],
        "json_ld": fragment["json_ld"],
        "fragment": mark_safe(html),  # noqa: S308 (our own render)
    }


def _whole_page(request: HttpRequest, slug: str, wanted: str) -> str:
    """The page a plain visitor sees, CSRF marker left in: every such visitor
    gets the same bytes but for the token, so the whole page is cached."""
    parts = (slug, wanted) if wanted else (slug,)
    key = caching.catalog_key("product-page", *parts)
    version, body = caching.catalog_get(key)
    if body is None:
        fragment = _fragment(slug, wanted)
        context = _page_context(slug, fragment, fragment["html"])
        body = render_to_string("shop/product.html", context, request=request)
        caching.catalog_set(key, version, body)
    return body


def _csrf_input(request: HttpRequest) -> str:
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
        csrf_token(request),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        if "show_variant" in request.POST:
            return _show_variant(request, slug)
        return _product_add_to_cart(request, slug)
    wanted = request.GET.get("variant", "")[:MAX_VARIANT_PARAM]
    try:
        if is_plain_visitor(request, param_ok=lambda name: name == "variant"):
            body = _whole_page(request, slug, wanted)
            response = HttpResponse(body.replace(CSRF_MARKER, _csrf_input(request)))
            # Another visitor's copy differs (name, cart, messages): never shared.
            patch_vary_headers(response, ("Cookie",))
            return response
        fragment = _fragment(slug, wanted)
    except VariantUnknown:
        return redirect("shop:product", slug=slug)
    html = fragment["html"].replace(CSRF_MARKER, _csrf_input(request))
    return render(request, "shop/product.html", _page_context(slug, fragment, html))


def _show_variant(request: HttpRequest, slug: str) -> HttpResponse:
    """No-JavaScript variant choice: the chosen radio becomes `?variant=`."""
    sku = request.POST.get("sku", "")[:MAX_VARIANT_PARAM]
    url = reverse("shop:product", args=[slug])
    if sku:
        url += "?" + urlencode({"variant": sku})
    return redirect(url)


def _product_add_to_cart(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(slug=slug)
    if product is None:
        raise Http404("No such product.")
    form = AddToCartForm(request.POST, variants=product.variants.all())
    if form.is_valid():
        cart = services.cart_get_or_create_for_request(request)
        try:
            line = services.cart_line_add(
                cart=cart,
                sku=form.cleaned_data["sku"],
                quantity=form.cleaned_data["quantity"],
            )
        except ShopError as error:
            add_shop_error(form, error)
        else:
            # The page's own variant rows name it (the added line's variant is
            # not loaded on the common path).
            names = {v.pk: v.name for v in product.variants.all()}
            name = names.get(line.variant_id) or line.variant.name
            messages.success(
                request,
                f"Added {form.cleaned_data['quantity']} × {product.name} "
                f"({name}) to your cart.",
            )
            return redirect("shop:cart")
    posted = request.POST.get("sku", "")
    known = {v.sku for v in product.variants.all()}
    context = _product_context(product, form, wanted=posted if posted in known else "")
    context["csrf_marker"] = _csrf_input(request)
    html = render_to_string("shop/_product.html", context)
    return render(
        request,
        "shop/product.html",
        {
            "title": product.name,
            "description": context["description"],
            "canonical": reverse("shop:product", args=[slug]),
            "fragment": mark_safe(html),  # noqa: S308
        },
        status=400,
    )

"""Storefront pages: thin, over selectors and services.

Listing and product fragments are cached in the shared cache under the catalog
generation (see services.catalog_cache_invalidate); the page around them (header with
the user, messages, CSRF) is rendered per request.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import (
    require_POST,
    require_safe,
)

from . import caching, filters, pricing, selectors, services
from .exceptions import ShopError
from .forms import CartLineForm, CartRemoveForm

PAGE_SIZES = (12, 24, 48)
DEFAULT_PAGE_SIZE = 24
CSRF_MARKER = "<!--csrf-token-->"


def _cached(key: str, build):
    return caching.catalog_cached(key, build)


def _listing_params(request: HttpRequest, *, default_sort: str) -> tuple[str, int, str]:
    sort = request.GET.get("sort", default_sort)
    if sort not in selectors.SORT_LABELS:
        sort = default_sort
    try:
        per_page = int(request.GET.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        per_page = DEFAULT_PAGE_SIZE
    if per_page not in PAGE_SIZES:
        per_page = DEFAULT_PAGE_SIZE
    page = request.GET.get("page", "1")
    return sort, per_page, page if page.isdigit() else "1"


class PageOutOfRange(Exception):
    """A `?page=` beyond the last page (or 0): redirect, never render or cache it."""

    def __init__(self, last: int) -> None:
        self.last = last


class FiltersUnknown(Exception):
    """A filter value no product of the listing has: redirect to the URL without it
    (never render or cache a copy per made-up value)."""

    def __init__(self, query: str) -> None:
        self.query = query


def _grid_context(
    queryset,
    *,
    page: str,
    per_page: int,
    sort: str,
    base_query: dict,
    chosen: filters.ListingFilters | None = None,
) -> dict:
    """One page of the listing, its filters with counts (one more query) and the
    parameters that links and forms carry (query, filters, sort)."""
    chosen = chosen or filters.ListingFilters()
    facets = filters.facets_for(queryset, chosen)
    if facets["unknown"]:
        raise FiltersUnknown(_known_query(base_query, chosen, facets, sort))
    page_obj = Paginator(filters.filters_apply(queryset, chosen), per_page).get_page(
        page
    )
    if str(page_obj.number) != page:
        raise PageOutOfRange(page_obj.number)
    products = list(page_obj.object_list)
    pricing.products_attach_sale_prices(products)
    carried = [*base_query.items(), *chosen.query_items()]
    return {
        "page_obj": page_obj,
        "products": products,
        "sort": sort,
        "per_page": per_page,
        "base_query": carried,
        "query_only": list(base_query.items()),
        "facets": facets,
        "chosen": chosen,
    }


def _known_query(base_query: dict, chosen, facets: dict, sort: str) -> str:
    known = {(f["param"], v["value"]) for f in facets["options"] for v in f["values"]}
    items = [*base_query.items()]
    items += [item for item in chosen.query_items() if item[0] in filters.FILTER_PARAMS]
    items += [item for item in chosen.query_items() if item in known]
    if sort:
        items.append(("sort", sort))
    return urlencode(items)


LISTING_PARAMS = frozenset({"q", "sort", "per_page", "page"})


def _listing_param(name: str) -> bool:
    return name in LISTING_PARAMS or filters.is_filter_param(name)


def is_plain_visitor(request: HttpRequest, param_ok=_listing_param) -> bool:
    """No session and no pending messages: every such visitor sees the same page.

    Only URLs with the page's own parameters (`param_ok`, by default the
    listing's) qualify, so random query strings cannot fill the cache with copies
    of a page.
    """
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and all(param_ok(name) for name in request.GET)
        and len(request.get_full_path()) <= 300
    )


def page_cache_key(request: HttpRequest) -> str:
    """The whole-page key from the listing's normalised parameters (never the raw
    query string: parameter order, repeats and invalid values map to one key)."""
    sort, per_page, page = _listing_params(request, default_sort="")
    q = request.GET.get("q", "").strip()[:200]
    chosen = filters.filters_from_query(request.GET).key()
    return caching.catalog_key("page", request.path, q, sort, per_page, page, chosen)


def _whole_page_cached(view):
    """Serve a plain visitor the whole cached page (the common case for a shop's
    traffic): no template rendering at all. Others get the cached fragment inside a
    page rendered for them (their name, messages, CSRF token). A page number out of
    range redirects to the last page instead of rendering (and caching) a copy."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return _serve_whole_page(view, request, *args, **kwargs)
        except PageOutOfRange as out:
            query = request.GET.copy()
            query["page"] = str(out.last)
            return redirect(f"{request.path}?{query.urlencode()}")
        except FiltersUnknown as unknown:
            return redirect(f"{request.path}?{unknown.query}")

    return wrapper


def _serve_whole_page(view, request: HttpRequest, *args, **kwargs) -> HttpResponse:
    if not is_plain_visitor(request):
        return view(request, *args, **kwargs)
    key = page_cache_key(request)
    version, body = caching.catalog_get(key)
    if body is not None:
        response = HttpResponse(body)
    else:
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            caching.catalog_set(key, version, response.content)
    # The page differs for signed-in visitors: no shared cache (CDN) may serve
    # this copy to a request that carries cookies.
    patch_vary_headers(response, ("Cookie",))
    return response


@require_safe
@_whole_page_cached
def home(request: HttpRequest) -> HttpResponse:
    def build() -> str:
        featured = list(selectors.product_featured(limit=8))
        pricing.products_attach_sale_prices(featured)
        return render_to_string(
            "shop/_home.html",
            {
                "featured": featured,
                "categories": [
                    c for c in selectors.category_list() if c.parent_id is None
                ],
            },
        )

    fragment = _cached(caching.catalog_key("home"), build)
    return render(
        request,
        "shop/home.html",
        {
            "fragment": mark_safe(fragment),  # noqa: S308 (our own render)
            "description": f"{settings.SITE_NAME}: shop by category, see what is "
            "featured and in stock today.",
        },
    )


@require_safe
@_whole_page_cached
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    sort, per_page, page = _listing_params(request, default_sort="name")
    chosen = filters.filters_from_query(request.GET)
    key = caching.catalog_key("category", slug, sort, per_page, page, chosen.key())
    version, fragment = caching.catalog_get(key)
    if fragment is None:
        category = selectors.category_get_with_descendants(slug=slug)
        if category is None:
            raise Http404("No such category.")
        queryset = selectors.product_list(category=category, sort=sort)
        context = _grid_context(
            queryset,
            page=page,
            per_page=per_page,
            sort=sort,
            base_query={},
            chosen=chosen,
        )
        context.update(
            category=category,
            subcategories=getattr(category, "active_children", []),
            sort_labels={
                k: v for k, v in selectors.SORT_LABELS.items() if k != "relevance"
            },
        )
        fragment = {
            "title": category.name,
            "description": category.description,
            "filtered": chosen.active,
            "html": render_to_string("shop/_category.html", context),
        }
        caching.catalog_set(key, version, fragment)
    return render(
        request,
        "shop/category.html",
        {
            "title": fragment["title"],
            "description": fragment.get("description", ""),
            # A filtered or re-sorted copy points search engines at the plain page.
            "canonical": request.path if page == "1" else f"{request.path}?page={page}",
            "noindex": fragment.get("filtered", False),
            "fragment": mark_safe(fragment["html"]),  # noqa: S308
        },
    )


@require_safe
@_whole_page_cached
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    sort, per_page, page = _listing_params(request, default_sort="relevance")
    if not q:
        return render(request, "shop/search.html", {"q": q, "fragment": ""})

    chosen = filters.filters_from_query(request.GET)

    def build() -> str:
        queryset = selectors.product_list(
            q=q, sort=None if sort == "relevance" else sort
        )
        context = _grid_context(
            queryset,
            page=page,
            per_page=per_page,
            sort=sort,
            base_query={"q": q},
            chosen=chosen,
        )
        context.update(q=q, sort_labels=selectors.SORT_LABELS)
        return render_to_string("shop/_search.html", context)

    key = caching.catalog_key("search", q, sort, per_page, page, chosen.key())
    fragment = _cached(key, build)
    html = mark_safe(fragment)  # noqa: S308 - rendered by our own template above
    return render(request, "shop/search.html", {"q": q, "fragment": html})


@require_safe
def cart_detail(request: HttpRequest) -> HttpResponse:
    cart = selectors.cart_get_for_request(request)
    lines = list(cart.lines.all()) if cart is not None else []
    issues = selectors.cart_issues(cart=cart) if cart is not None else []
    issues_by_sku: dict[str, list] = {}
    for issue in issues:
        issues_by_sku.setdefault(issue.sku, []).append(issue)
    summary = pricing.cart_summary(cart) if cart is not None else {}
    on_sale = summary.get("lines", {})
    rows = [
        {
            "line": line,
            "total": line.unit_price * line.quantity,
            "issues": issues_by_sku.get(line.variant.sku, []),
            "sale": on_sale.get(line.variant.sku, {}),
        }
        for line in lines
    ]
    return render(
        request,
        "shop/cart.html",
        {
            "cart": cart,
            "rows": rows,
            "summary": summary,
            "totals": selectors.cart_totals(cart=cart),
            "has_price_change": any(i.kind == "price_changed" for i in issues),
        },
    )


def _cart_or_redirect(request: HttpRequest):
    cart = selectors.cart_get_for_request(request)
    if cart is None:
        messages.error(request, "Your cart is empty.")
    return cart


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    form = CartLineForm(request.POST)
    cart = _cart_or_redirect(request)
    if cart is None:
        return redirect("shop:cart")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("shop:cart")
    try:
        services.cart_line_set_quantity(
            cart=cart,
            sku=form.cleaned_data["sku"],
            quantity=form.cleaned_data["quantity"],
        )
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Quantity updated.")
    return redirect("shop:cart")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    form = CartRemoveForm(request.POST)
    cart = _cart_or_redirect(request)
    if cart is None or not form.is_valid():
        return redirect("shop:cart")
    try:
        services.cart_line_remove(cart=cart, sku=form.cleaned_data["sku"])
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Item removed from your cart.")
    return redirect("shop:cart")


@require_POST
def cart_accept_prices(request: HttpRequest) -> HttpResponse:
    cart = _cart_or_redirect(request)
    if cart is not None:
        services.cart_lines_accept_prices(cart=cart)
        messages.success(request, "Your cart now shows the current prices.")
    return redirect("shop:cart")

"""Reads of the catalog and carts; query counts are designed here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from securecart.money import format_money
from securecart.query_plans import Compiled, QueryPlan

from .models import Cart, CartLine, Category, Product, ProductImage, Variant
from .pricing import query_annotations
from .search import search_filter

if TYPE_CHECKING:
    from django.http import HttpRequest

CART_SESSION_KEY = "cart_token"

# Listing sort options: public name -> ORDER BY.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "price": ("price", "name", "id"),
    "-price": ("-price", "name", "id"),
    "newest": ("-created_at", "-id"),
}
SORT_LABELS = {
    "relevance": "Relevance",
    "name": "Name",
    "price": "Price: low to high",
    "-price": "Price: high to low",
    "newest": "Newest",
}


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("parent")


def _descendants(root_id: int, rows: Sequence[tuple[int, int | None]]) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    ids: list[int] = []
    stack = [root_id]
    while stack:
        pk = stack.pop()
        if pk in ids:
            continue  # a cycle made in admin must not hang the page
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


def category_descendant_ids(*, category: Category) -> list[int]:
    """Return the ids of the category and every active category below it (1 query)."""
    cached = getattr(category, "descendant_ids", None)
    if cached is not None:
        return cached
    rows = list(Category.objects.filter(is_active=True).values_list("id", "parent_id"))
    return _descendants(category.pk, rows)


def category_get_with_descendants(*, slug: str) -> Category | None:
    """An active category, with `descendant_ids` (itself and below) set: one query."""
    categories = list(category_list())
    found = next((c for c in categories if c.slug == slug), None)
    if found is not None:
        rows = [(c.pk, c.parent_id) for c in categories]
        found.descendant_ids = _descendants(found.pk, rows)  # type: ignore[attr-defined]
        found.active_children = [c for c in categories if c.parent_id == found.pk]  # type: ignore[attr-defined]
    return found


def _listing_annotations(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Add the first image and "in stock" as subqueries: one query per page."""
    first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by(
        "position", "id"
    )
    in_stock = Variant.objects.filter(
        product=OuterRef("pk"),
        is_active=True,
        stock_on_hand__gt=F("stock_reserved"),
    )
    return queryset.annotate(
        primary_image=Subquery(first_image.values("image")[:1]),
        primary_image_alt=Subquery(first_image.values("alt_text")[:1]),
        primary_image_renditions=Subquery(first_image.values("renditions")[:1]),
        in_stock=Exists(in_stock),
        **query_annotations("product"),  # e.g. sale candidates (shop.pricing)
    )


def product_list(
    *,
    category: Category | None = None,
    q: str | None = None,
    sort: str | None = None,
    with_variants: bool = False,
) -> QuerySet[Product]:
    """Active products of active categories, optionally in a category tree or matching q.

    With q: shop.search (PostgreSQL full-text with prefixes, typo-tolerant names,
    categories and SKUs, ranked by relevance; elsewhere icontains).
    """
    queryset = Product.objects.filter(is_active=True, category__is_active=True)
    if category is not None:
        queryset = queryset.filter(
            category_id__in=category_descendant_ids(category=category)
        )
    queryset = _listing_annotations(queryset.select_related("category"))
    q = (q or "").strip()
    ranked = False
    if q:
        queryset, ranked = search_filter(queryset, q)
    if sort in SORTS:
        queryset = queryset.order_by(*SORTS[sort])
    elif ranked:
        queryset = queryset.order_by("-rank", "name", "id")  # type: ignore[misc]
    else:
        queryset = queryset.order_by("-is_featured", "name", "id")
    if with_variants:
        queryset = queryset.prefetch_related(
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True))
        )
    return queryset


def product_featured(*, limit: int = 8) -> QuerySet[Product]:
    return product_list().filter(is_featured=True)[:limit]


def product_related(*, product: Product, limit: int = 4) -> list[Product]:
    """In-stock products of the same category, featured first (one query)."""
    return list(
        product_list()
        .filter(category_id=product.category_id, in_stock=True)  # type: ignore[misc]
        .exclude(pk=product.pk)[:limit]
    )


def product_get(*, slug: str) -> Product | None:
    """An active product with its active variants and images (3 queries)."""
    return (
        Product.objects.filter(slug=slug, is_active=True, category__is_active=True)
        .select_related("category__parent")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True)),
            "images",
        )
        .first()
    )


def _cart_lines(now: datetime) -> QuerySet[CartLine]:
    # Other apps' annotations (shop.pricing) ride along: no extra query.
    return CartLine.objects.select_related("variant__product").annotate(
        **query_annotations("cart_line", now=now)
    )


def _cart_lines_query(cart_id: int, now: datetime) -> QuerySet[CartLine]:
    return _cart_lines(now).filter(cart_id=cart_id)


def _cart_query(now: datetime) -> QuerySet[Cart]:
    return Cart.objects.annotate(**query_annotations("cart", now=now))


# The cart reads every cart page, cart API call and checkout makes: compiled once
# per process (securecart.query_plans), as each costs more to build than to run.
_CART_LINES = QueryPlan(CartLine, _cart_lines_query, cart_id=int, now=datetime)
_CART_BY_TOKEN = QueryPlan(
    Cart,
    lambda token, now: _cart_query(now).filter(token=token).order_by("pk")[:1],
    token=str,
    now=datetime,
)
_CART_OF_USER = QueryPlan(
    Cart,
    lambda user_id, now: (
        _cart_query(now).filter(user_id=user_id).order_by("-updated_at", "-id")[:1]
    ),
    user_id=int,
    now=datetime,
)
# The lines by token, for a cart write to read in its own statement (cart_writes).
_CART_LINES_BY_TOKEN = QueryPlan(
    CartLine, lambda token, now: _cart_lines(now).filter(cart__token=token),
    token=str, now=datetime,
)  # fmt: skip
_LINE_ORDER = attrgetter(*CartLine._meta.ordering)  # type: ignore[misc]


def cart_reads_compiled(
    *, token: str, now: datetime, using: str
) -> tuple[Compiled, Compiled]:
    """The cart a token names and its lines (as `cart_get_by_token` reads them),
    compiled for database `using`: for a write of the cart to answer with them
    in its own statement. The lines come in no order (`cart_lines_attach` puts
    them in the model's)."""
    return (
        _CART_BY_TOKEN.compiled(using=using, token=token, now=now),
        _CART_LINES_BY_TOKEN.compiled(using=using, token=token, now=now),
    )


def cart_lines_attach(
    *, cart: Cart, lines: list[CartLine], ordered: bool = True
) -> Cart:
    """Give the cart these lines as a prefetch would (`cart.lines.all()` answers
    from them, in the model's order: `ordered=False` sorts them first; each
    line's `cart` is this cart)."""
    if not ordered:
        lines.sort(key=_LINE_ORDER)
    for line in lines:
        line.cart = cart
    cache = cart.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop("lines", None)
    queryset = cart.lines.get_queryset()
    queryset._result_cache = lines
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    cache["lines"] = queryset
    return cart


def _with_lines(cart: Cart | None) -> Cart | None:
    return cart_lines_load(cart=cart) if cart is not None else None


def cart_get_by_token(*, token: str, with_lines: bool = True) -> Cart | None:
    """The cart, its lines loaded unless `with_lines` is False (a write
    re-reads what it needs; `cart_lines_load` fetches them afterwards)."""
    if not token or not isinstance(token, str):
        return None
    cart = _CART_BY_TOKEN.first(token=token, now=timezone.now())
    return _with_lines(cart) if with_lines else cart


def cart_get_for_caller(
    *, token: str, user: Any, with_lines: bool = True
) -> Cart | None:
    """The cart a token names, as the API may show it to this caller: a
    customer's cart only to that customer (a token alone is not enough), as at
    checkout. Anyone else gets None, as for a missing cart."""
    cart = cart_get_by_token(token=token, with_lines=with_lines)
    if cart is None or cart.user_id is None:
        return cart
    if user is None or not user.is_authenticated or user.pk != cart.user_id:
        return None
    return cart


def cart_get_for_user(*, user: Any) -> Cart | None:
    """The customer's active cart: the one they changed last."""
    return _with_lines(_CART_OF_USER.first(user_id=user.pk, now=timezone.now()))


def cart_lines_load(*, cart: Cart) -> Cart:
    """(Re)load the cart's lines, in one query, as a prefetch would leave them:
    `cart.lines.all()` answers from them, each line's `cart` is this cart."""
    lines = _CART_LINES.all(cart_id=cart.pk, now=timezone.now())
    return cart_lines_attach(cart=cart, lines=lines)


def cart_get_for_request(request: HttpRequest) -> Cart | None:
    """The signed-in customer's latest cart, or the anonymous session's cart."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return cart_get_for_user(user=user)
    token = request.session.get(CART_SESSION_KEY)
    if not token:
        return None
    cart = cart_get_by_token(token=token)
    if cart is not None and cart.user_id is not None:
        return None  # a customer's cart is never reachable from a signed-out session
    return cart


def cart_totals(*, cart: Cart | None) -> dict:
    """Subtotal at the prices the shopper saw, the currency and the line count."""
    lines = list(cart.lines.all()) if cart is not None else []
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
    return {
        "subtotal": subtotal.quantize(Decimal("0.01")),
        "currency": cart.currency if cart is not None else settings.STORE_CURRENCY,
        "line_count": len(lines),
        "item_count": sum(line.quantity for line in lines),
    }


@dataclass(frozen=True)
class CartIssue:
    """Something checkout must tell the shopper about a line before charging."""

    sku: str
    kind: str  # "price_changed" | "insufficient_stock" | "unavailable"
    message: str
    quantity: int
    old_price: Decimal | None = None
    new_price: Decimal | None = None
    available: int | None = None

    def as_line(self) -> dict[str, Any]:
        """The issue as a line of a stale-cart answer (API body, review page)."""
        line: dict[str, Any] = {"sku": self.sku, "reason": self.kind}
        if self.kind == "price_changed":
            line.update(
                cart_price=str(self.old_price), current_price=str(self.new_price)
            )
        line["quantity"] = self.quantity
        if self.available is not None:
            line["available"] = self.available
        return line


def _line_issues(line: CartLine) -> list[CartIssue]:
    variant = line.variant
    name = variant.product.name
    if not (variant.is_active and variant.product.is_active):
        return [
            CartIssue(
                variant.sku,
                "unavailable",
                f"{name} is no longer available.",
                line.quantity,
                available=0,
            )
        ]
    issues: list[CartIssue] = []
    if variant.price != line.unit_price:
        issues.append(
            CartIssue(
                variant.sku,
                "price_changed",
                f"The price of {name} ({variant.name}) changed from "
                f"{format_money(line.unit_price, variant.currency)} to "
                f"{format_money(variant.price, variant.currency)}.",
                line.quantity,
                old_price=line.unit_price,
                new_price=variant.price,
            )
        )
    if variant.available < line.quantity:
        available = max(variant.available, 0)
        issues.append(
            CartIssue(
                variant.sku,
                "insufficient_stock",
                (
                    f"Only {available} of {name} ({variant.name}) left; your cart "
                    f"has {line.quantity}."
                    if available > 0
                    else f"{name} ({variant.name}) is out of stock."
                ),
                line.quantity,
                available=available,
            )
        )
    return issues


def cart_issues(
    *, cart: Cart | None = None, lines: Iterable[CartLine] | None = None
) -> list[CartIssue]:
    """Lines whose price changed, whose stock ran short or that are no longer sold.

    The one definition of a valid cart line: the cart page, the review step, the
    API and checkout all ask here (pass `lines` when they are already loaded).
    """
    if lines is None:
        lines = cart.lines.all() if cart is not None else []
    return [issue for line in lines for issue in _line_issues(line)]


def variant_list_low_stock(*, threshold: int, limit: int) -> list[Variant]:
    """Active variants with at most `threshold` available, scarcest first."""
    return list(
        Variant.objects.filter(is_active=True, product__is_active=True)
        .annotate(available_now=F("stock_on_hand") - F("stock_reserved"))
        .filter(available_now__lte=threshold)
        .select_related("product")
        .only("id", "sku", "name", "stock_on_hand", "stock_reserved", "product__name")
        .order_by("available_now", "sku")[:limit]
    )

"""Writes of the catalog and carts: keyword-only, each a small transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import router, transaction
from django.db.models import Min
from django.utils import timezone

from securecart.query_plans import QueryPlan

from . import caching, cart_statements
from .exceptions import (
    CartLineNotFound,
    InsufficientStock,
    InvalidQuantity,
    ProductUnavailable,
    UnknownSku,
)
from .models import Cart, CartLine, Product, Variant
from .selectors import (
    CART_SESSION_KEY,
    cart_get_for_request,
    cart_get_for_user,
    cart_lines_load,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_LINE_QUANTITY = 999


# --- cache ----------------------------------------------------------------------
def catalog_cache_invalidate(*, product_ids: Iterable[int] | None = None) -> None:
    """Make every cached listing and product page stale.

    One generation counter for the whole catalog rather than per-product keys: a
    product's price or stock shows on listing pages, search results and API pages too,
    and a bump is one Redis INCR. `product_ids` is accepted so callers say what changed
    (and a finer scheme can come later without touching them). Old generations expire.
    """
    del product_ids
    caching.catalog_invalidate()


def _after_commit_invalidate(product_ids: Iterable[int] | None = None) -> None:
    ids = list(product_ids) if product_ids is not None else None
    # Invalidate now (this process) and again after commit, so a concurrent request
    # cannot re-cache the old rows between the bump and the commit.
    catalog_cache_invalidate(product_ids=ids)
    transaction.on_commit(lambda: catalog_cache_invalidate(product_ids=ids))


# --- catalog --------------------------------------------------------------------
def product_set_active(*, product_ids: Iterable[int], active: bool) -> int:
    """Activate or deactivate products in bulk (admin action); returns rows changed."""
    ids = list(product_ids)
    changed = Product.objects.filter(pk__in=ids).update(is_active=active)
    _after_commit_invalidate(ids)
    return changed


def product_refresh_price(*, product_ids: Iterable[int]) -> None:
    """Set each product's listing ("from") price to its cheapest active variant."""
    ids = list(product_ids)
    prices = dict(
        Variant.objects.filter(product_id__in=ids, is_active=True)
        .values("product_id")
        .annotate(low=Min("price"))
        .values_list("product_id", "low")
    )
    for product_id, low in prices.items():
        Product.objects.filter(pk=product_id).exclude(price=low).update(price=low)
    _after_commit_invalidate(ids)


# --- carts ----------------------------------------------------------------------
def _clean_quantity(quantity: object) -> int:
    if isinstance(quantity, bool):
        raise InvalidQuantity(quantity)
    if isinstance(quantity, str):
        text = quantity.strip()
        if not text.isdigit():
            raise InvalidQuantity(quantity)
        quantity = int(text)
    if not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(quantity)
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidQuantity(quantity)
    return quantity


def _label(variant: Variant) -> str:
    """How a shopper knows a variant: "Harbour Enamel Mug (Ocean)", not its SKU."""
    return f"{variant.product.name} ({variant.name})"


# Read by every add to cart: compiled once per process (securecart.query_plans).
_VARIANT_BY_SKU = QueryPlan(
    Variant,
    lambda sku: Variant.objects.select_related("product__category").filter(sku=sku),
    sku=str,
)


def _clean_sku(sku: object) -> str:
    if not isinstance(sku, str) or not sku.strip():
        raise UnknownSku(str(sku))
    return sku.strip()


def _variant_for_sale(sku: object) -> Variant:
    variant = _VARIANT_BY_SKU.first(sku=_clean_sku(sku))
    if variant is None:
        raise UnknownSku(str(sku))
    product = variant.product
    if not (variant.is_active and product.is_active and product.category.is_active):
        raise ProductUnavailable(variant.sku, label=_label(variant))
    return variant


def _lock_cart(cart: Cart) -> None:
    # Serialises concurrent edits of one cart (two tabs, double-clicks).
    Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk").first()


def _lock_and_touch(cart: Cart) -> None:
    """`_lock_cart` and `_touch` in one round trip: the UPDATE takes the row lock
    (it conflicts with FOR UPDATE, so edits and checkout still serialise) and is
    rolled back with the rest when the edit fails."""
    now = timezone.now()
    Cart.objects.filter(pk=cart.pk).update(updated_at=now)
    _touched(cart, now)


def _touched(cart: Cart, now: datetime) -> None:
    """The cart's row was touched at `now` by a write of its lines: the object
    follows, its loaded lines and the header's count are stale."""
    cart.updated_at = now
    _forget_lines(cart)
    cart_count_forget(cart=cart)


def _forget_lines(cart: Cart) -> None:
    getattr(cart, "_prefetched_objects_cache", {}).pop("lines", None)


def cart_count_forget(*, cart: Cart) -> None:
    """Drop the header's cached item count of this cart once the write commits
    (at once outside a transaction). Not before: until the commit every page
    reads the old lines, so a count cached meanwhile is right until the delete."""
    keys = caching.cart_count_keys(token=cart.token, user_id=cart.user_id)
    transaction.on_commit(lambda: caching.cache_delete_many(keys))


def _touch(cart: Cart) -> None:
    cart.save(update_fields=["updated_at"])
    # Prefetched lines are stale now; callers re-read through selectors.
    _forget_lines(cart)
    cart_count_forget(cart=cart)


def cart_get_or_create_for_request(request: HttpRequest) -> Cart:
    """The request's cart, created (and remembered in the session) when missing."""
    cart = cart_get_for_request(request)
    if cart is not None:
        return cart
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.objects.create(user=user)
    cart = Cart.objects.create()
    request.session[CART_SESSION_KEY] = cart.token
    return cart


def cart_line_add(*, cart: Cart, sku: str, quantity: int) -> CartLine:
    """Add quantity of a SKU; never more than is available. Keeps the price seen now.

    As for a quantity change, the common case (on PostgreSQL) is one statement
    on its own that takes the cart's lock first and finds the SKU's variant for
    sale; when it changes nothing the add runs again the long way, which says
    why (unknown SKU, not for sale, not enough in stock). The line it returns
    has its variant loaded only on the long way."""
    quantity = _clean_quantity(quantity)
    clean_sku = _clean_sku(sku)
    now = timezone.now()
    using = router.db_for_write(CartLine)
    row = cart_statements.run(
        cart_statements.ADD,
        {
            "cart": cart.pk,
            "sku": clean_sku,
            "quantity": quantity,
            "now": now,
            "max": MAX_LINE_QUANTITY,
        },
        using=using,
    )
    if row is None:
        variant = _variant_for_sale(sku)
        return _cart_line_add_locked(cart=cart, variant=variant, quantity=quantity)
    line = CartLine(
        id=row[0], cart=cart, variant_id=row[4], quantity=row[1], unit_price=row[2]
    )
    line.created_at = row[3]
    line._state.adding, line._state.db = False, using
    _touched(cart, now)
    return line


def _cart_line_add_locked(*, cart: Cart, variant: Variant, quantity: int) -> CartLine:
    with transaction.atomic():
        _lock_and_touch(cart)
        # As in cart_line_set_quantity: one read of the lines under the lock.
        lines = cart_lines_load(cart=cart).lines.all()
        line = next((ln for ln in lines if ln.variant_id == variant.pk), None)
        wanted = quantity + (line.quantity if line else 0)
        if wanted > variant.available:
            raise InsufficientStock(
                variant.sku, wanted, variant.available, label=_label(variant)
            )
        if wanted > MAX_LINE_QUANTITY:
            raise InvalidQuantity(wanted)
        if line is None:
            line = CartLine.objects.create(
                cart=cart, variant=variant, quantity=wanted, unit_price=variant.price
            )
            _forget_lines(cart)  # loaded without the new one
        else:
            line.quantity = wanted
            line.unit_price = variant.price  # the shopper sees today's price again
            line.save(update_fields=["quantity", "unit_price"])
    return line


def cart_line_set_quantity(*, cart: Cart, sku: str, quantity: int) -> None:
    """Set a line's quantity (>= 1; removing is `cart_line_remove`).

    The common case (on PostgreSQL) is one statement on its own (no BEGIN/COMMIT
    round trips, shop.cart_statements): it takes the cart's row lock first, so it
    still serialises with other edits and with checkout (a line checkout removed
    meanwhile is not found). When it changes nothing, the edit runs again the long
    way, which says why (no such line, not on sale, not enough in stock) or
    succeeds if stock came back."""
    quantity = _clean_quantity(quantity)
    now = timezone.now()
    changed = cart_statements.run(
        cart_statements.SET_QUANTITY,
        {"cart": cart.pk, "sku": str(sku), "quantity": quantity, "now": now},
        using=router.db_for_write(CartLine),
    )
    if changed is not None:
        _touched(cart, now)
        return
    _cart_line_set_quantity_locked(cart=cart, sku=sku, quantity=quantity)


def _cart_line_set_quantity_locked(*, cart: Cart, sku: str, quantity: int) -> None:
    with transaction.atomic():
        _lock_and_touch(cart)
        # Under the lock, the cart's lines as its answer shows them: one read finds
        # the line to change and leaves `cart.lines` current for the caller.
        lines = cart_lines_load(cart=cart).lines.all()
        line = next((ln for ln in lines if ln.variant.sku == str(sku)), None)
        if line is None:
            raise CartLineNotFound(str(sku))
        variant = line.variant
        if not (variant.is_active and variant.product.is_active):
            raise ProductUnavailable(variant.sku, label=_label(variant))
        if quantity > variant.available:
            raise InsufficientStock(
                variant.sku, quantity, variant.available, label=_label(variant)
            )
        line.quantity = quantity
        line.save(update_fields=["quantity"])


def cart_line_remove(*, cart: Cart, sku: str) -> None:
    deleted, _ = CartLine.objects.filter(cart=cart, variant__sku=sku).delete()
    if not deleted:
        raise CartLineNotFound(str(sku))
    _touch(cart)


def cart_lines_accept_prices(*, cart: Cart) -> None:
    """Take the current price of every line (the shopper saw the change)."""
    with transaction.atomic():
        _lock_cart(cart)
        for line in CartLine.objects.select_related("variant").filter(cart=cart):
            if line.unit_price != line.variant.price:
                line.unit_price = line.variant.price
                line.save(update_fields=["unit_price"])
        _touch(cart)


def cart_clear(*, cart: Cart) -> None:
    """Empty the cart (checkout calls this after placing the order)."""
    CartLine.objects.filter(cart=cart).delete()
    _touch(cart)


def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move source's lines into target (quantities add up, capped at what is
    available), then delete source. Used when an anonymous shopper signs in."""
    if source.pk == target.pk:
        return target
    with transaction.atomic():
        # Lock both in pk order, whatever the argument order, so two merges cannot
        # deadlock.
        list(
            Cart.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
            .values_list("pk")
        )
        existing = {
            line.variant_id: line
            for line in CartLine.objects.select_related("variant").filter(cart=target)
        }
        for line in CartLine.objects.select_related("variant__product").filter(
            cart=source
        ):
            variant = line.variant
            if not (variant.is_active and variant.product.is_active):
                continue
            current = existing.get(variant.pk)
            if current is None:
                wanted = min(line.quantity, max(variant.available, 0))
                if wanted >= 1:
                    CartLine.objects.create(
                        cart=target,
                        variant=variant,
                        quantity=wanted,
                        unit_price=line.unit_price,
                    )
            else:
                wanted = min(
                    current.quantity + line.quantity,
                    max(variant.available, current.quantity),
                    MAX_LINE_QUANTITY,
                )
                if wanted != current.quantity:
                    current.quantity = wanted
                    current.unit_price = line.unit_price  # the price seen most recently
                    current.save(update_fields=["quantity", "unit_price"])
        source.delete()
        _touch(target)
    return target


def cart_attach_on_login(*, request: HttpRequest, user) -> Cart | None:
    """Give the just-signed-in customer the anonymous session cart (merged if they
    already have one). Called from the `user_logged_in` signal."""
    token = request.session.pop(CART_SESSION_KEY, None)
    if not token:
        return None
    return cart_attach_guest(token=token, user=user)


def cart_attach_guest(*, token: object, user) -> Cart | None:
    """Give a signed-in customer the guest cart `token` names (merged into their
    active cart if they have one), as at storefront sign-in; the API's sign-in and
    the customer's cart endpoint present the guest cart id here. A customer's
    cart, or an unknown token, changes nothing (None)."""
    if not token or not isinstance(token, str):
        return None
    source = Cart.objects.filter(token=token, user__isnull=True).first()
    if source is None:
        return None
    target = Cart.objects.filter(user=user).order_by("-updated_at", "-id").first()
    if target is None:
        source.user = user
        source.save(update_fields=["user", "updated_at"])
        cart_count_forget(cart=source)
        return source
    return cart_merge(source=source, target=target)


def cart_get_or_create_for_user(*, user) -> Cart:
    """The customer's one active cart, created when they have none.

    The user's row lock makes two devices asking at once get the same new cart.
    """
    cart = cart_get_for_user(user=user)
    if cart is not None:
        return cart
    with transaction.atomic():
        # `_meta.model`, not type(user): a session's user is a SimpleLazyObject
        user._meta.model.objects.select_for_update().filter(pk=user.pk).first()
        cart = cart_get_for_user(user=user)
        if cart is None:
            Cart.objects.create(user=user)
            cart = cart_get_for_user(user=user)
    assert cart is not None
    return cart

"""Cart writes that read their answer in the same statement (PostgreSQL).

An API write of a cart answers with the cart. Done as usual that is three
statements: read the cart, write (shop.cart_statements), read its lines again.
Here the write runs first in one statement, as shop.services runs it (the cart's
row lock, the same conditions), locked by the token of an anonymous cart, and
the same statement reads the cart with the selectors' own compiled read:

- A quantity change reads the cart's lines there too: one statement in all.
  Those reads see the statement's snapshot, so the line just written shows its
  old quantity (set here to the one written), and a write of the same cart that
  committed while this one waited for the lock is not in them: the lock then
  returns a newer `updated_at` than the read, and the cart is read again.
- An add reads the cart's lines there too, and the SKU's variant: a line it
  inserted is in no read of that statement, so it is made from what the insert
  returned and that variant; a line it added to shows its old quantity and
  price (set here to the ones written).

Anything else (no anonymous cart with that token, no such line, not for sale,
not enough stock, another database) changes nothing and answers None: the
caller goes the usual way, which says why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connections, router
from django.utils import timezone

from securecart.query_plans import QueryPlan

from . import cart_statements
from .models import Cart, CartLine, Variant
from .pricing import query_annotations
from .selectors import cart_get_by_token, cart_lines_attach, cart_reads_compiled
from .services import MAX_LINE_QUANTITY, cart_count_forget


def _database() -> tuple[str, Any] | None:
    using = router.db_for_write(CartLine)
    database = connections[using]
    return (using, database) if database.vendor == "postgresql" else None


def _run(database: Any, statement: tuple[str, list[str]], values: dict, *reads) -> list:
    sql, names = statement
    params = [values[name] for name in names]
    for read in reads:
        params += read.params
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _plain(token: object, quantity: object) -> bool:
    return (
        isinstance(token, str)
        and bool(token)
        and type(quantity) is int
        and 1 <= quantity <= MAX_LINE_QUANTITY
    )


def _stale(token: str, cart: Cart, locked_at: datetime) -> Cart | None:
    """The cart read again when a write of it came first (see the module)."""
    if cart.updated_at == locked_at:
        return None
    cart = cart_get_by_token(token=token) or cart
    cart_count_forget(cart=cart)
    return cart


def _written(cart: Cart, lines: list[CartLine], now: datetime) -> Cart:
    cart.updated_at = now
    cart_count_forget(cart=cart)
    return cart_lines_attach(cart=cart, lines=lines, ordered=False)


def cart_line_set_quantity_answered(
    *, token: str, sku: str, quantity: int
) -> Cart | None:
    """`cart_line_set_quantity` on the anonymous cart a token names, and that
    cart with its lines loaded as they are after it (see the module), or None
    when nothing changed."""
    found = _database()
    if found is None or not _plain(token, quantity):
        return None
    using, database = found
    now = timezone.now()
    cart_read, lines_read = cart_reads_compiled(token=token, now=now, using=using)
    values = {"token": token, "quantity": quantity, "sku": str(sku), "now": now}
    statement = cart_statements.set_quantity_reading(cart_read.sql, lines_read.sql)
    rows = _run(database, statement, values, cart_read, lines_read)
    if not rows or rows[0][1] is None:
        return None
    changed_id, lines_from = rows[0][1], 2 + cart_read.width
    cart = cart_read.objects([rows[0][2:lines_from]])[0]
    if (fresh := _stale(token, cart, rows[0][0])) is not None:
        return fresh
    lines = lines_read.objects(
        [row[lines_from:] for row in rows if row[lines_from] is not None]
    )
    for line in lines:
        if line.pk == changed_id:
            line.quantity = quantity
    return _written(cart, lines, now)


# A SKU's variant with what a cart line of it is read with (an add's new line).
_LINE_VARIANT = QueryPlan(
    Variant,
    lambda sku, now: Variant.objects.select_related("product")
    .annotate(**query_annotations("cart_line_variant", now=now))
    .filter(sku=sku),
    sku=str, now=datetime,
)  # fmt: skip
# The columns the add returns, in order.
_ADDED = ("id", "quantity", "unit_price", "created_at", "variant_id")


def cart_line_add_answered(*, token: str, sku: str, quantity: int) -> Cart | None:
    """`cart_line_add` to the anonymous cart a token names, and that cart with
    its lines loaded as they are after it (see the module), or None when nothing
    changed."""
    found = _database()
    if found is None or not _plain(token, quantity) or not isinstance(sku, str):
        return None
    using, database = found
    now, sku = timezone.now(), sku.strip()
    cart_read, lines_read = cart_reads_compiled(token=token, now=now, using=using)
    variant_read = _LINE_VARIANT.compiled(using=using, sku=sku, now=now)
    values = {
        "token": token,
        "sku": sku,
        "quantity": quantity,
        "now": now,
        "max": MAX_LINE_QUANTITY,
    }
    statement = cart_statements.add_reading(
        cart_read.sql, lines_read.sql, variant_read.sql
    )
    rows = _run(database, statement, values, cart_read, variant_read, lines_read)
    if not rows or rows[0][1] is None:
        return None
    added = dict(zip(_ADDED, rows[0][1:6], strict=True))
    variant_from = 6 + cart_read.width
    lines_from = variant_from + variant_read.width
    cart = cart_read.objects([rows[0][6:variant_from]])[0]
    if (fresh := _stale(token, cart, rows[0][0])) is not None:
        return fresh
    lines = lines_read.objects(
        [row[lines_from:] for row in rows if row[lines_from] is not None]
    )
    line = next((ln for ln in lines if ln.pk == added["id"]), None)
    if line is None:  # a new line: what the insert returned, and its variant
        (variant,) = variant_read.objects([rows[0][variant_from:lines_from]])
        row = {**added, "cart_id": cart.pk}
        names = [field.attname for field in CartLine._meta.concrete_fields]
        line = CartLine.from_db(using, names, [row[name] for name in names])
        line.variant = variant
        for name in variant_read.annotation_names:
            setattr(line, name, getattr(variant, name))
        lines.append(line)
    line.quantity, line.unit_price = added["quantity"], added["unit_price"]
    return _written(cart, lines, now)

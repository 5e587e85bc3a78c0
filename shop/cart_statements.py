"""The cart writes' single statements (shop.services runs them), and the stock
reservation's (shop.stock).

Each cart write takes the cart's row lock first, so cart edits still serialise with
each other and with checkout, changes the line only when the write is allowed, and
touches the cart only when the line changed; it needs no BEGIN/COMMIT around it.
Table names come from the models; every value is a parameter. PostgreSQL only
(data-modifying WITH, FOR UPDATE, ON CONFLICT, arrays): elsewhere (SQLite in local
mode) `run` runs nothing and the callers take their ORM path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, connections

from .models import Cart, CartLine, Category, Product, Variant


def _set_quantity_steps(locked: str, value: Callable[[str], str]) -> str:
    """The WITH of a quantity change: lock the cart (`locked`: a SELECT of its
    "id" and "updated_at" ... FOR UPDATE), change the line if its product is on
    sale and enough is available, and touch the cart only if the line changed.
    `value(name)` is the placeholder of a parameter."""
    cart, line, variant, product = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (Cart, CartLine, Variant, Product)
    )
    quantity, sku, now = value("quantity"), value("sku"), value("now")
    # Table names from the models, every value a parameter.
    return f"""
        WITH locked AS ({locked}), changed AS (
            UPDATE {line} AS line SET "quantity" = {quantity}
            FROM locked, {variant} AS v, {product} AS p
            WHERE line."cart_id" = locked."id" AND line."variant_id" = v."id"
              AND v."sku" = {sku} AND v."product_id" = p."id"
              AND v."is_active" AND p."is_active"
              AND v."stock_on_hand" - v."stock_reserved" >= {value("quantity")}
            RETURNING line."id"
        ), touched AS (
            UPDATE {cart} SET "updated_at" = {now}
            WHERE "id" = (SELECT "id" FROM locked) AND EXISTS (SELECT 1 FROM changed)
            RETURNING "id"
        )
    """  # noqa: S608


def _set_quantity() -> str:
    """One statement: the quantity change of the cart with this id."""
    cart = connection.ops.quote_name(Cart._meta.db_table)
    locked = f'SELECT "id", "updated_at" FROM {cart} WHERE "id" = %(cart)s FOR UPDATE'  # noqa: S608
    steps = _set_quantity_steps(locked, lambda name: f"%({name})s")
    return steps + 'SELECT "id" FROM touched'  # noqa: S608 (no value in it)


SET_QUANTITY = _set_quantity()


def set_quantity_reading(cart_read: str, lines_read: str) -> str:
    """One statement: the quantity change of the anonymous cart a token names,
    and the cart and its lines as they were just before it (`cart_read` and
    `lines_read`: the SQL of those reads, shop.selectors). Positional parameters:
    token, quantity, sku, quantity, now, then the reads' own.

    Its rows: the locked cart's "updated_at" (the row's latest version: a write
    committed while this one waited for the lock shows there and not in the
    reads, which see the statement's snapshot), the changed line's id (NULL:
    nothing changed, nothing was written), the cart read's columns, the lines
    read's columns (NULLs for a cart without lines). No row: no anonymous cart
    has that token."""
    cart = connection.ops.quote_name(Cart._meta.db_table)
    locked = (
        f'SELECT "id", "updated_at" FROM {cart} '  # noqa: S608
        'WHERE "token" = %s AND "user_id" IS NULL FOR UPDATE'
    )
    steps = _set_quantity_steps(locked, lambda name: "%s")
    return f"""{steps}
        SELECT locked."updated_at", (SELECT "id" FROM changed), cart.*, lines.*
        FROM locked CROSS JOIN ({cart_read}) AS cart
        LEFT JOIN ({lines_read}) AS lines ON TRUE
    """  # noqa: S608


def _add() -> str:
    """One statement: lock the cart, find the SKU's variant if it is for sale
    (active, with its product and category), add the line or add to it while the
    total stays within what is available (and MAX_LINE_QUANTITY) at today's
    price, and touch the cart only if the line changed. Returns the line."""
    cart, line, variant, product, category = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (Cart, CartLine, Variant, Product, Category)
    )
    # Table names from the models, every value a parameter.
    return f"""
        WITH locked AS (
            SELECT "id" FROM {cart} WHERE "id" = %(cart)s FOR UPDATE
        ), stock AS (
            SELECT v."id", v."price", v."stock_on_hand" - v."stock_reserved" AS available
            FROM {variant} AS v
            JOIN {product} AS p ON p."id" = v."product_id"
            JOIN {category} AS c ON c."id" = p."category_id"
            WHERE v."sku" = %(sku)s AND v."is_active" AND p."is_active" AND c."is_active"
        ), added AS (
            INSERT INTO {line} AS line
                ("cart_id", "variant_id", "quantity", "unit_price", "created_at")
            SELECT locked."id", stock."id", %(quantity)s, stock."price", %(now)s
            FROM locked, stock WHERE %(quantity)s <= stock.available
            ON CONFLICT ("cart_id", "variant_id") DO UPDATE
            SET "quantity" = line."quantity" + EXCLUDED."quantity",
                "unit_price" = EXCLUDED."unit_price"
            WHERE line."quantity" + EXCLUDED."quantity"
                <= LEAST(%(max)s, (SELECT available FROM stock))
            RETURNING line."id", line."quantity", line."unit_price", line."created_at",
                line."variant_id"
        ), touched AS (
            UPDATE {cart} SET "updated_at" = %(now)s
            WHERE "id" = %(cart)s AND EXISTS (SELECT 1 FROM added)
        )
        SELECT "id", "quantity", "unit_price", "created_at", "variant_id" FROM added
    """  # noqa: S608


ADD = _add()


def _reserve() -> str:
    """One statement for any number of variants: add each one's quantity to its
    reserved stock (ids and quantities as two arrays). Returns how many rows it
    changed. The caller holds the rows' locks; the CHECK `stock_reserved <=
    stock_on_hand` refuses an oversell as for any other write."""
    variant = connection.ops.quote_name(Variant._meta.db_table)
    # Table name from the model, every value a parameter.
    return f"""
        WITH reserved AS (
            UPDATE {variant} AS v
            SET "stock_reserved" = v."stock_reserved" + wanted.quantity
            FROM unnest(%(ids)s::bigint[], %(quantities)s::integer[])
                AS wanted (id, quantity)
            WHERE v."id" = wanted.id
            RETURNING 1
        )
        SELECT count(*) FROM reserved
    """  # noqa: S608


RESERVE = _reserve()


def run(statement: str, params: dict[str, Any], *, using: str) -> tuple | None:
    """The statement's row: None when it changed nothing, or was not run (a
    database other than PostgreSQL)."""
    database = connections[using]
    if database.vendor != "postgresql":
        return None
    with database.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()

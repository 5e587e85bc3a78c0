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

import functools
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

from .models import Cart, CartLine, Category, Product, Variant


class _Named:
    """Placeholders by name: `%(name)s` (a statement run with a dict)."""

    def __call__(self, name: str) -> str:
        return f"%({name})s"


class _Positional:
    """Placeholders in the order they appear: `%s`, the names kept in `order`
    (a statement that takes positional ones from other SQL)."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def __call__(self, name: str) -> str:
        self.order.append(name)
        return "%s"


def _locked(value: Callable[[str], str], *, by_token: bool) -> str:
    """Lock the cart: by id, or the anonymous cart a token names."""
    cart = connection.ops.quote_name(Cart._meta.db_table)
    where = (
        f'"token" = {value("token")} AND "user_id" IS NULL'
        if by_token
        else f'"id" = {value("cart")}'
    )
    return f'SELECT "id", "updated_at" FROM {cart} WHERE {where} FOR UPDATE'  # noqa: S608


def _set_quantity_steps(value: Callable[[str], str], *, by_token: bool) -> str:
    """The WITH of a quantity change: lock the cart, change the line if its
    product is on sale and enough is available, and touch the cart only if the
    line changed (`changed`, `touched`)."""
    cart, line, variant, product = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (Cart, CartLine, Variant, Product)
    )
    # Table names from the models, every value a parameter (in text order).
    return f"""
        WITH locked AS ({_locked(value, by_token=by_token)}), changed AS (
            UPDATE {line} AS line SET "quantity" = {value("quantity")}
            FROM locked, {variant} AS v, {product} AS p
            WHERE line."cart_id" = locked."id" AND line."variant_id" = v."id"
              AND v."sku" = {value("sku")} AND v."product_id" = p."id"
              AND v."is_active" AND p."is_active"
              AND v."stock_on_hand" - v."stock_reserved" >= {value("quantity")}
            RETURNING line."id"
        ), touched AS (
            UPDATE {cart} SET "updated_at" = {value("now")}
            WHERE "id" = (SELECT "id" FROM locked) AND EXISTS (SELECT 1 FROM changed)
            RETURNING "id"
        )
    """  # noqa: S608


# One statement: the quantity change of the cart with this id.
_STEPS = _set_quantity_steps(_Named(), by_token=False)
SET_QUANTITY = f'{_STEPS} SELECT "id" FROM touched'  # noqa: S608


def _add_steps(value: Callable[[str], str], *, by_token: bool) -> str:
    """The WITH of an add: lock the cart, find the SKU's variant if it is for
    sale (active, with its product and category), add the line or add to it
    while the total stays within what is available (and MAX_LINE_QUANTITY) at
    today's price (`added`: the line), and touch the cart only if the line
    changed."""
    cart, line, variant, product, category = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (Cart, CartLine, Variant, Product, Category)
    )
    # Table names from the models, every value a parameter (in text order).
    return f"""
        WITH locked AS ({_locked(value, by_token=by_token)}), stock AS (
            SELECT v."id", v."price", v."stock_on_hand" - v."stock_reserved" AS available
            FROM {variant} AS v
            JOIN {product} AS p ON p."id" = v."product_id"
            JOIN {category} AS c ON c."id" = p."category_id"
            WHERE v."sku" = {value("sku")}
              AND v."is_active" AND p."is_active" AND c."is_active"
        ), added AS (
            INSERT INTO {line} AS line
                ("cart_id", "variant_id", "quantity", "unit_price", "created_at")
            SELECT locked."id", stock."id", {value("quantity")}, stock."price",
                {value("now")}
            FROM locked, stock WHERE {value("quantity")} <= stock.available
            ON CONFLICT ("cart_id", "variant_id") DO UPDATE
            SET "quantity" = line."quantity" + EXCLUDED."quantity",
                "unit_price" = EXCLUDED."unit_price"
            WHERE line."quantity" + EXCLUDED."quantity"
                <= LEAST({value("max")}, (SELECT available FROM stock))
            RETURNING line."id", line."quantity", line."unit_price", line."created_at",
                line."variant_id"
        ), touched AS (
            UPDATE {cart} SET "updated_at" = {value("now")}
            WHERE "id" = (SELECT "id" FROM locked) AND EXISTS (SELECT 1 FROM added)
        )
    """  # noqa: S608


# One statement: the add to the cart with this id. Returns the line.
_RETURNED = '"id", "quantity", "unit_price", "created_at", "variant_id"'
ADD = _add_steps(_Named(), by_token=False) + f"SELECT {_RETURNED} FROM added"  # noqa: S608


@functools.cache
def set_quantity_reading(cart_read: str, lines_read: str) -> tuple[str, list[str]]:
    """One statement: the quantity change of the anonymous cart a token names,
    and the cart and its lines as they were just before it (`cart_read` and
    `lines_read`: the SQL of those reads, shop.selectors). With the names of its
    own positional parameters, in order; the reads' own follow them.

    Its rows: the locked cart's "updated_at" (the row's latest version: a write
    committed while this one waited for the lock shows there and not in the
    reads, which see the statement's snapshot), the changed line's id (NULL:
    nothing changed, nothing was written), the cart read's columns, the lines
    read's columns (NULLs for a cart without lines). No row: no anonymous cart
    has that token."""
    value = _Positional()
    steps = _set_quantity_steps(value, by_token=True)
    statement = f"""{steps}
        SELECT locked."updated_at", (SELECT "id" FROM changed), cart.*, lines.*
        FROM locked CROSS JOIN ({cart_read}) AS cart
        LEFT JOIN ({lines_read}) AS lines ON TRUE
    """  # noqa: S608
    return statement, value.order


@functools.cache
def add_reading(
    cart_read: str, lines_read: str, variant_read: str
) -> tuple[str, list[str]]:
    """One statement: the add to the anonymous cart a token names, and the cart,
    its lines and the SKU's variant as they were just before it (the reads' SQL,
    shop.selectors / shop.cart_writes), with the names of its own positional
    parameters in order (the reads' own follow them, in that order).

    Its rows: the locked cart's "updated_at" (as for `set_quantity_reading`), the
    line added (id, quantity, unit_price, created_at, variant_id; NULLs: nothing
    changed, nothing was written), the cart read's columns, the variant read's
    (NULLs: no such SKU), the lines read's (NULLs: no lines before). A new line
    is in none of the reads; a line added to shows its old quantity and price.
    No row: no anonymous cart has that token."""
    value = _Positional()
    steps = _add_steps(value, by_token=True)
    statement = f"""{steps}
        SELECT locked."updated_at", added.*, cart.*, variant.*, lines.*
        FROM locked CROSS JOIN ({cart_read}) AS cart LEFT JOIN added ON TRUE
        LEFT JOIN ({variant_read}) AS variant ON TRUE
        LEFT JOIN ({lines_read}) AS lines ON TRUE
    """  # noqa: S608
    return statement, value.order


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

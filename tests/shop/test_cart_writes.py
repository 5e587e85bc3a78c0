"""Cart-line writes through the API: few round trips, and still serialised per cart.

The line's UPDATE of the cart row is what locks it (no separate SELECT ... FOR
UPDATE), so these check both halves: the query budget of one add or change, and
that concurrent adds to one cart never lose a unit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.models import Cart, CartLine
from tests.factories.promotions import SaleFactory
from tests.factories.shop import ProductFactory, VariantFactory

pytestmark = [pytest.mark.postgres]


def _variant(sku: str = "MUG-RED", stock: int = 1000):
    product = ProductFactory(price=Decimal("12.50"), category__slug="kitchen")
    return VariantFactory(
        product=product, sku=sku, price=Decimal("12.50"), stock_on_hand=stock
    )


def _queries(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    sql = [q["sql"] for q in ctx.captured_queries]
    return response, [s for s in sql if "SAVEPOINT" not in s]


@pytest.mark.django_db
def test_adding_and_changing_a_line_reads_the_cart_once_and_locks_it(client):
    _variant()
    cart = client.post("/api/v1/carts/").json()
    url = f"/api/v1/carts/{cart['id']}/lines/"

    added, add_sql = _queries(
        lambda: client.post(url, {"sku": "MUG-RED", "quantity": 2}, "application/json")
    )
    _variant(sku="MUG-BLUE")
    client.post(url, {"sku": "MUG-BLUE", "quantity": 1}, "application/json")
    more, more_sql = _queries(
        lambda: client.post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
    )
    assert [(ln["sku"], ln["quantity"]) for ln in more.json()["lines"]] == [
        ("MUG-RED", 3),
        ("MUG-BLUE", 1),
    ]
    assert len(more_sql) == 1, more_sql
    assert more.json() == client.get(f"/api/v1/carts/{cart['id']}/").json()
    changed, patch_sql = _queries(
        lambda: client.patch(f"{url}MUG-RED/", {"quantity": 5}, "application/json")
    )

    assert added.status_code == 201 and added.json()["total"] == "25.00"
    assert changed.status_code == 200 and changed.json()["total"] == "75.00"
    lines = [(line["sku"], line["quantity"]) for line in changed.json()["lines"]]
    assert lines == [("MUG-RED", 5), ("MUG-BLUE", 1)]
    assert (
        client.get(f"/api/v1/carts/{cart['id']}/").json()["lines"]
        == (changed.json()["lines"])
    )
    # add: one statement (lock the anonymous cart the token names, find the SKU's
    # variant for sale, insert the line or add to it, touch the cart, and read the
    # cart, the SKU's variant and the lines for the answer)
    assert len(add_sql) == 1, add_sql
    for write, change in ((add_sql[0], 'INSERT INTO "shop_cartline"'),
                          (more_sql[0], "ON CONFLICT")):  # fmt: skip
        assert 'FROM "shop_cart" WHERE "token" = ' in write and "FOR UPDATE" in write
        assert '"user_id" IS NULL' in write and 'FROM "shop_cartline"' in write
        assert change in write and 'UPDATE "shop_cart" SET' in write
    # change: one statement (lock the anonymous cart the token names, change the
    # line, touch the cart, and read the cart and its lines for the answer)
    assert len(patch_sql) == 1, patch_sql
    (change,) = patch_sql
    assert 'FROM "shop_cart" WHERE "token" = ' in change and "FOR UPDATE" in change
    assert '"user_id" IS NULL' in change and 'UPDATE "shop_cartline"' in change
    assert 'UPDATE "shop_cart" SET' in change and 'FROM "shop_cartline"' in change


@pytest.mark.django_db
def test_a_refused_change_leaves_the_cart_untouched(client):
    _variant(stock=3)
    token = client.post("/api/v1/carts/").json()["id"]
    url = f"/api/v1/carts/{token}/lines/"
    client.post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
    touched = Cart.objects.get(token=token).updated_at

    refused = client.patch(f"{url}MUG-RED/", {"quantity": 4}, "application/json")

    assert refused.status_code == 409
    assert Cart.objects.get(token=token).updated_at == touched  # rolled back
    assert CartLine.objects.get(cart__token=token).quantity == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_to_one_cart_never_lose_a_unit():
    _variant()
    token = Cart.objects.create().token
    url = f"/api/v1/carts/{token}/lines/"
    barrier = threading.Barrier(8)

    def add(_: int) -> int:
        try:
            barrier.wait(timeout=30)
            return (
                Client()
                .post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
                .status_code
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(add, range(24)))

    assert codes == [201] * 24
    assert CartLine.objects.get(cart__token=token).quantity == 24


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@contextmanager
def _locked_while_waiting(token: str, write, answers: list) -> Iterator[None]:
    """Hold the cart's lock (in a transaction) until `write`, started in a
    thread, waits for it; the block then runs under the lock, and the write
    finishes once it commits."""
    with transaction.atomic():
        Cart.objects.select_for_update().get(token=token)
        worker = threading.Thread(target=write)
        worker.start()
        for _ in range(200):  # until the write waits for the lock
            if _lock_waiters():
                break
            worker.join(0.05)
        assert _lock_waiters() == 1 and not answers
        yield
    worker.join(30)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_change_waits_for_the_cart_lock_and_misses_a_line_removed_meanwhile():
    """Checkout holds the cart's lock while it turns the lines into an order and
    removes them: a quantity change sent meanwhile waits, then finds no line."""
    _variant()
    token = Cart.objects.create().token
    url = f"/api/v1/carts/{token}/lines/"
    Client().post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
    touched = Cart.objects.get(token=token).updated_at
    answers: list[int] = []

    def change() -> None:
        try:
            response = Client().patch(
                f"{url}MUG-RED/", {"quantity": 3}, "application/json"
            )
            answers.append(response.status_code)
        finally:
            connection.close()

    with _locked_while_waiting(token, change, answers):  # as checkout does
        CartLine.objects.filter(cart__token=token).delete()

    assert answers == [404]
    assert Cart.objects.get(token=token).updated_at == touched


@pytest.mark.django_db
def test_an_add_answers_the_cart_as_a_read_after_it_shows_it(client):
    """The add's own statement cannot read a line it inserts: the answer is made
    from what the insert returned and the SKU's variant, with the sale the line
    is on; a line added to takes today's price."""
    plain = _variant()
    on_sale = _variant(sku="MUG-GOLD")
    SaleFactory(name="Gold week", value=Decimal("20")).variants.set([on_sale])
    token = client.post("/api/v1/carts/").json()["id"]
    url = f"/api/v1/carts/{token}/lines/"
    client.post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
    plain.price = Decimal("13.00")
    plain.save()

    for sku in ("MUG-GOLD", "MUG-RED"):
        answer = client.post(url, {"sku": sku, "quantity": 2}, "application/json")
        assert answer.status_code == 201
        assert answer.json() == client.get(f"/api/v1/carts/{token}/").json()

    body = answer.json()
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in body["lines"]] == [
        ("MUG-RED", 3, "13.00"),
        ("MUG-GOLD", 2, "12.50"),
    ]
    assert body["lines"][1]["sale_price"] == "10.00"
    assert [d["kind"] for d in body["discounts"]] == ["sale"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_a_write_that_waited_for_the_lock_answers_the_write_before_it_too(method):
    """The write reads its answer in its own statement, whose snapshot predates
    a write of the same cart that committed while it waited for the lock: it
    reads the cart again and answers both writes."""
    _variant()
    _variant(sku="MUG-BLUE")
    token = Cart.objects.create().token
    url = f"/api/v1/carts/{token}/lines/"
    for sku in ("MUG-RED", "MUG-BLUE"):
        Client().post(url, {"sku": sku, "quantity": 1}, "application/json")
    answers: list = []

    def change() -> None:
        try:
            answers.append(
                Client().patch(f"{url}MUG-RED/", {"quantity": 3}, "application/json")
                if method == "PATCH"
                else Client().post(
                    url, {"sku": "MUG-RED", "quantity": 2}, "application/json"
                )
            )
        finally:
            connection.close()

    with _locked_while_waiting(token, change, answers):  # another write's lock
        CartLine.objects.filter(cart__token=token, variant__sku="MUG-BLUE").update(
            quantity=4
        )
        Cart.objects.filter(token=token).update(updated_at=timezone.now())

    (answer,) = answers
    assert answer.status_code == (200 if method == "PATCH" else 201)
    lines = [(line["sku"], line["quantity"]) for line in answer.json()["lines"]]
    assert lines == [("MUG-RED", 3), ("MUG-BLUE", 4)]
    assert answer.json() == Client().get(f"/api/v1/carts/{token}/").json()


def _cart_with_two_of_three():
    """A cart holding 2 of a variant with 3 in stock, through the API."""
    variant = _variant(stock=3)
    token = Cart.objects.create().token
    url = f"/api/v1/carts/{token}/lines/"
    client = Client()
    first = client.post(url, {"sku": "MUG-RED", "quantity": 2}, "application/json")
    return variant, client, token, url, first


@pytest.mark.django_db(transaction=True)
def test_a_refused_change_in_its_own_statement_changes_nothing():
    variant, client, token, url, _ = _cart_with_two_of_three()
    touched = Cart.objects.get(token=token).updated_at

    too_many = client.patch(f"{url}MUG-RED/", {"quantity": 4}, "application/json")
    unknown = client.patch(f"{url}NO-SUCH/", {"quantity": 1}, "application/json")
    variant.product.is_active = False
    variant.product.save()
    withdrawn = client.patch(f"{url}MUG-RED/", {"quantity": 1}, "application/json")

    assert too_many.status_code == 409 and too_many.json()["available"] == 3
    assert unknown.status_code == 404
    assert withdrawn.status_code == 400
    assert Cart.objects.get(token=token).updated_at == touched
    assert CartLine.objects.get(cart__token=token).quantity == 2

    variant.product.is_active = True
    variant.product.save()
    ok = client.patch(f"{url}MUG-RED/", {"quantity": 3}, "application/json")
    assert ok.status_code == 200 and ok.json()["lines"][0]["quantity"] == 3
    assert Cart.objects.get(token=token).updated_at > touched


@pytest.mark.django_db(transaction=True)
def test_an_add_in_its_own_statement_stays_within_stock_and_takes_todays_price():
    variant, client, token, url, first = _cart_with_two_of_three()
    touched = Cart.objects.get(token=token).updated_at

    too_many = client.post(url, {"sku": "MUG-RED", "quantity": 2}, "application/json")
    assert first.status_code == 201
    assert too_many.status_code == 409
    assert (too_many.json()["requested"], too_many.json()["available"]) == (4, 3)
    assert Cart.objects.get(token=token).updated_at == touched
    assert CartLine.objects.get(cart__token=token).quantity == 2

    variant.price = Decimal("11.00")
    variant.save()
    more = client.post(url, {"sku": "MUG-RED", "quantity": 1}, "application/json")
    assert more.status_code == 201
    line = CartLine.objects.get(cart__token=token)
    assert (line.quantity, line.unit_price) == (3, Decimal("11.00"))
    assert Cart.objects.get(token=token).updated_at > touched
    assert more.json()["total"] == "33.00"

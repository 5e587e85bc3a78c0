"""Compiled query plans give what the queryset gives, bind every value, refuse a
frozen clock and use the calling thread's connection."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from securecart.query_plans import PlanError, QueryPlan
from shop.models import Cart, CartLine
from tests.factories.shop import VariantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _lines_query(cart_id, now):
    newer = CartLine.objects.filter(cart_id=OuterRef("cart_id"), created_at__gt=now)
    return (
        CartLine.objects.select_related("variant__product")
        .annotate(has_newer=Exists(newer))
        .filter(cart_id=cart_id)
        .order_by("id")
    )


LINES = QueryPlan(CartLine, _lines_query, cart_id=int, now=timezone.datetime)


def _cart_with(*prices):
    cart = Cart.objects.create()
    for price in prices:
        variant = VariantFactory(price=Decimal(price))
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=2, unit_price=variant.price
        )
    return cart


def _shape(lines):
    return [
        (ln.pk, ln.quantity, ln.unit_price, ln.variant.sku, ln.variant.product.name,
         ln.has_newer)
        for ln in lines
    ]  # fmt: skip


def test_a_plan_gives_what_its_queryset_gives_for_every_value():
    first, second = _cart_with("3.00", "4.50"), _cart_with("9.99")
    for cart in (first, second, first):  # compiled once, bound per call
        for now in (timezone.now() - timedelta(days=1), timezone.now()):
            assert _shape(LINES.all(cart_id=cart.pk, now=now)) == _shape(
                _lines_query(cart.pk, now)
            )
    # the annotation's time is bound too: a day ago every line is newer
    assert {ln.has_newer for ln in LINES.all(cart_id=first.pk, now=timezone.now())} == {
        False
    }
    past = timezone.now() - timedelta(days=1)
    assert {ln.has_newer for ln in LINES.all(cart_id=first.pk, now=past)} == {True}
    assert LINES.all(cart_id=-1, now=past) == []


def test_the_objects_are_complete_models_that_can_be_saved():
    cart = _cart_with("5.00")
    line = LINES.all(cart_id=cart.pk, now=timezone.now())[0]
    assert line.variant.product.pk and line._state.db == "default"
    line.quantity = 4
    line.save(update_fields=["quantity"])
    assert CartLine.objects.get(pk=line.pk).quantity == 4


@pytest.mark.parametrize("lean", [True, False], ids=["own-rows", "model-iterable"])
def test_rows_become_the_objects_the_queryset_makes_in_one_query(
    lean, django_assert_num_queries
):
    # given a plan whose rows carry select_related objects and an annotation, read
    # by the plan's own row handling or (as for composite keys) Django's iterable
    cart = _cart_with("3.00", "4.50")
    now = timezone.now()
    LINES.all(cart_id=cart.pk, now=now)  # prepared
    prepared = next(p for p in LINES._prepared.values() if p is not None)
    was, prepared.lean = prepared.lean, lean
    try:
        with django_assert_num_queries(1):
            lines = LINES.all(cart_id=cart.pk, now=now)
            # then the related objects and annotations came with the rows
            shape = _shape(lines)
            assert {ln.cart_id for ln in lines} == {cart.pk}
    finally:
        prepared.lean = was
    assert shape == _shape(_lines_query(cart.pk, now))
    expected = _lines_query(cart.pk, now)
    for line, other in zip(lines, expected, strict=True):
        assert line.__dict__.keys() - {"_state"} == other.__dict__.keys() - {"_state"}
        assert (line._state.db, line._state.adding) == ("default", False)
        assert line.variant._state.db == "default" and not line.variant._state.adding
        assert type(line.variant.product) is type(other.variant.product)


def test_a_compiled_plan_runs_inside_a_statement_of_its_own():
    # given the plan's SQL after a WITH and a column of the caller's own
    cart = _cart_with("3.00", "4.50")
    now = timezone.now()
    plan = LINES.compiled(using="default", cart_id=cart.pk, now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH mine AS (SELECT %s AS tag) SELECT mine.tag, lines.* "
            f"FROM mine CROSS JOIN ({plan.sql}) AS lines",
            ["mine", *plan.params],
        )
        rows = cursor.fetchall()
    # then its rows, less the caller's column, become the plan's objects
    assert {row[0] for row in rows} == {"mine"}
    assert plan.width == len(rows[0]) - 1
    lines = plan.objects([row[1:] for row in rows])
    assert sorted(_shape(lines)) == sorted(_shape(LINES.all(cart_id=cart.pk, now=now)))
    with pytest.raises(TypeError):
        LINES.compiled(using="default", cart_id=cart.pk)


def test_a_clock_read_inside_the_builder_is_refused():
    frozen = QueryPlan(
        CartLine,
        lambda sku: CartLine.objects.filter(
            variant__sku=sku, created_at__lte=timezone.now()
        ),
        sku=str,
    )
    if connection.vendor != "postgresql":
        pytest.skip("SQLite passes times as text: the check needs PostgreSQL")
    with pytest.raises(PlanError, match="not a parameter"):
        frozen.first(sku="X")


def test_wrong_parameters_are_refused():
    with pytest.raises(TypeError):
        LINES.all(cart_id=1)
    with pytest.raises(TypeError):
        QueryPlan(CartLine, _lines_query, cart_id=float)


def test_each_thread_runs_on_its_own_connection():
    cart = _cart_with("2.00")
    LINES.all(cart_id=cart.pk, now=timezone.now())  # prepared on this thread
    found, used = [], []

    def other_thread():
        from django.db import connections

        try:
            found.extend(LINES.all(cart_id=cart.pk, now=timezone.now()))
            used.append(connections["default"])
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(30)
    assert [ln.pk for ln in found] == [cart.lines.get().pk]
    assert used and used[0] is not connection


def test_a_list_parameter_is_planned_per_length_and_bound_per_item():
    from securecart import query_plans

    carts = [_cart_with("1.00"), _cart_with("2.00", "3.00"), _cart_with("4.00")]
    by_ids = QueryPlan(
        CartLine,
        lambda ids: CartLine.objects.filter(cart_id__in=ids).order_by("id"),
        ids=list,
    )
    for ids in ([], [carts[0].pk], [carts[0].pk, carts[2].pk], [c.pk for c in carts]):
        planned = [line.pk for line in by_ids.all(ids=ids)]
        assert planned == list(
            CartLine.objects.filter(cart_id__in=ids)
            .order_by("id")
            .values_list("pk", flat=True)
        )
    assert len(by_ids.all(ids=[carts[1].pk])) == 2
    with pytest.raises(ValueError, match="distinct"):
        by_ids.all(ids=[carts[0].pk, carts[0].pk])
    many = [carts[0].pk, *range(-query_plans.MAX_LIST_ITEMS, 0)]  # longer: the ORM
    assert [line.cart_id for line in by_ids.all(ids=many)] == [carts[0].pk]

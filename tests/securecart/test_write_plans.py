"""Compiled writes (InsertPlan, UpdatePlan, QueryPlan.delete) write what save(),
bulk_create() and delete() write, bind every value per call, keep the signals and
take the ORM's path for expressions and for deletes that must fetch rows."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save, pre_delete, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import OutboxEvent
from securecart.query_plans import PlanError, QueryPlan
from securecart.write_plans import InsertPlan, UpdatePlan
from shop.models import Cart, CartLine
from tests.factories.orders import user_create
from tests.factories.shop import VariantFactory

pytestmark = pytest.mark.django_db

CART_INSERT = InsertPlan(Cart)
CART_INSERT_UNLESS_TAKEN = InsertPlan(Cart, ignore_conflicts=True)
LINE_INSERT = InsertPlan(CartLine)
EVENT_INSERT = InsertPlan(OutboxEvent)
LINE_QUANTITY = UpdatePlan(CartLine, "quantity", "unit_price")
CART_USER = UpdatePlan(Cart, "user", "updated_at")
CART_LINES = QueryPlan(
    CartLine, lambda cart_id: CartLine.objects.filter(cart_id=cart_id), cart_id=int
)


def _row(model, pk, *names):
    return model.objects.filter(pk=pk).values_list(*names).get()


def _cart(**fields):
    cart = Cart(**fields)
    assert CART_INSERT.save(cart) is True
    return cart


def _saves(model):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs.get("created"), kwargs["update_fields"], kwargs["using"]))

    pre_save.connect(receiver, sender=model, dispatch_uid="test-pre", weak=False)
    post_save.connect(receiver, sender=model, dispatch_uid="test-post", weak=False)
    return seen


@pytest.fixture
def cart_signals():
    seen = _saves(Cart)
    yield seen
    pre_save.disconnect(sender=Cart, dispatch_uid="test-pre")
    post_save.disconnect(sender=Cart, dispatch_uid="test-post")


def test_an_insert_writes_each_call_s_values_as_save_does(cart_signals):
    first = _cart(token="plan-one", currency="EUR")
    second = _cart(token="plan-two", currency="USD")

    for cart, token, currency in (
        (first, "plan-one", "EUR"),
        (second, "plan-two", "USD"),
    ):
        assert cart.pk and cart._state.db == "default" and not cart._state.adding
        assert cart.created_at is not None  # auto_now_add, as save() sets it
        assert _row(Cart, cart.pk, "token", "currency", "created_at") == (
            token,
            currency,
            cart.created_at,
        )
    assert second.pk != first.pk
    assert cart_signals == [(None, None, "default"), (True, None, "default")] * 2


def test_an_insert_with_a_given_key_returns_no_column():
    event = OutboxEvent(type="order.placed", data={"n": 1}, occurred_at=timezone.now())
    given = event.id
    with CaptureQueriesContext(connection) as queries:
        EVENT_INSERT.save(event)
    assert event.id == given and "RETURNING" not in queries[0]["sql"]
    assert OutboxEvent.objects.get(pk=given).data == {"n": 1}


def test_bulk_create_sets_every_row_s_key_in_order():
    cart = _cart(token="plan-bulk")
    variants = [VariantFactory(price=Decimal(p)) for p in ("1.00", "2.00", "3.00")]
    for count in (1, 3, 2):  # a plan per row count
        lines = LINE_INSERT.bulk_create(
            [
                CartLine(cart=cart, variant=v, quantity=count, unit_price=v.price)
                for v in variants[:count]
            ]
        )
        assert [_row(CartLine, ln.pk, "variant_id", "quantity") for ln in lines] == [
            (v.pk, count) for v in variants[:count]
        ]
        CartLine.objects.filter(cart=cart).delete()
    assert LINE_INSERT.bulk_create([]) == []


def test_an_expression_takes_the_orm_s_path():
    cart = _cart(token=Upper(Value("plan-expr")))
    assert _row(Cart, cart.pk, "token") == ("PLAN-EXPR",)
    line = CartLine(cart=cart, variant=VariantFactory(), quantity=2, unit_price=1)
    LINE_INSERT.save(line)
    line.quantity, line.unit_price = F("quantity") + 3, 2
    LINE_QUANTITY.save(line)
    assert _row(CartLine, line.pk, "quantity", "unit_price") == (5, Decimal("2.00"))


def test_an_update_sets_its_columns_only(cart_signals):
    user = user_create()
    cart = _cart(token="plan-update", currency="EUR")
    stamped = cart.updated_at
    cart.currency, cart.user = "GBP", user  # currency is not planned: not written
    cart_signals.clear()

    CART_USER.save(cart)

    assert _row(Cart, cart.pk, "user_id", "currency") == (user.pk, "EUR")
    assert cart.updated_at > stamped  # auto_now, as save(update_fields=...) bumps it
    assert cart_signals == [(None, CART_USER.update_fields, "default")] + [
        (False, frozenset({"user", "updated_at"}), "default")
    ]
    cart.user = None
    CART_USER.save(cart)  # bound anew
    assert _row(Cart, cart.pk, "user_id", "updated_at") == (None, cart.updated_at)


def test_an_update_of_a_missing_row_fails_like_save():
    cart = _cart(token="plan-gone")
    Cart.objects.filter(pk=cart.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        CART_USER.save(cart)


def test_a_failed_insert_marks_the_transaction_for_rollback():
    _cart(token="plan-taken")
    with transaction.atomic():
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            _cart(token="plan-taken")
        assert transaction.get_connection().needs_rollback


def test_an_insert_ignoring_conflicts_writes_nothing_on_a_taken_value(cart_signals):
    assert CART_INSERT_UNLESS_TAKEN.save(Cart(token="plan-free"))
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        taken = Cart(token="plan-free", currency="GBP")
        assert CART_INSERT_UNLESS_TAKEN.save(taken) is False
        assert not transaction.get_connection().needs_rollback  # the work goes on
    # PostgreSQL's DO NOTHING, SQLite's OR IGNORE (local mode): one statement
    assert len(queries) == 1
    assert any(
        clause in queries[0]["sql"]
        for clause in ("ON CONFLICT DO NOTHING", "OR IGNORE")
    )
    assert taken.pk is None and taken._state.adding
    assert Cart.objects.filter(token="plan-free").values_list("currency").get() != (
        "GBP",
    )
    assert [created for created, _, _ in cart_signals] == [None, True, None]
    with pytest.raises(PlanError):
        CART_INSERT_UNLESS_TAKEN.bulk_create([Cart(token="plan-other")])


def test_a_planned_delete_deletes_the_queryset_s_rows_only():
    keep, empty = _cart(token="plan-keep"), _cart(token="plan-empty")
    variants = [VariantFactory() for _ in range(3)]
    for cart, items in ((keep, variants[:1]), (empty, variants)):
        for variant in items:
            CartLine.objects.create(
                cart=cart, variant=variant, quantity=1, unit_price=1
            )

    with CaptureQueriesContext(connection) as queries:
        assert CART_LINES.delete(cart_id=empty.pk) == 3
        assert CART_LINES.delete(cart_id=empty.pk) == 0
    assert [q["sql"].split(" WHERE")[0] for q in queries] == [
        'DELETE FROM "shop_cartline"'
    ] * 2
    assert list(CartLine.objects.values_list("cart_id", flat=True)) == [keep.pk]
    with pytest.raises(TypeError):
        CART_LINES.delete(cart=keep.pk)


def test_a_delete_that_signals_takes_the_orm_s_path():
    cart = _cart(token="plan-signal")
    line = CartLine.objects.create(
        cart=cart, variant=VariantFactory(), quantity=1, unit_price=1
    )
    deleted = []
    pre_delete.connect(
        lambda sender, instance, **kwargs: deleted.append(instance.pk),
        sender=CartLine,
        dispatch_uid="test-plan-delete",
        weak=False,
    )
    try:
        assert CART_LINES.delete(cart_id=cart.pk) == 1
    finally:
        pre_delete.disconnect(sender=CartLine, dispatch_uid="test-plan-delete")
    assert deleted == [line.pk]


def test_wrong_models_and_fields_are_refused():
    with pytest.raises(TypeError):
        CART_INSERT.save(CartLine())
    with pytest.raises(PlanError):
        UpdatePlan(Cart, "id")

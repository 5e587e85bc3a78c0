"""Hot reads compiled once per process: the ORM builds the SQL the first time,
later calls only bind new parameter values.

Building a queryset with annotations, subqueries and joins (`filter`, `annotate`,
`Exists`, `select_related`) and compiling it to SQL costs far more CPU than
running it on the database: a cart read with its sale and voucher annotations
spends most of its time in the ORM before a byte reaches PostgreSQL. A
`QueryPlan` keeps the queryset definition in the ORM (the one source of truth)
and does that work once per process and database alias:

    CART = QueryPlan(Cart, lambda token: Cart.objects.filter(token=token), token=str)
    cart = CART.first(token="...")

The builder is called once with a placeholder value per named parameter (a
string, integer or aware datetime no real value takes; for a list of integers,
one per item, and a plan per list length), the queryset is compiled, and the
positions where each placeholder landed among the SQL parameters are recorded
(in the form the backend adapts it to, e.g. a datetime as text on SQLite). A call
then runs that SQL with the real values in those positions and turns the rows
into model instances exactly as the queryset would (select_related objects and
annotations included). So a builder must depend on its parameters only: anything
else it reads (the clock, settings) is frozen at the first call; pass the time as
a parameter (on PostgreSQL a datetime in the SQL that is not one is refused when
the plan is prepared). A parameter may go unused: a builder that does not need
the time still takes it, so an annotation another app adds can use it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Model, QuerySet, signals, sql
from django.db.models.constants import OnConflict
from django.db.models.deletion import Collector
from django.db.models.query import ModelIterable

M = TypeVar("M", bound=Model)

_EPOCH = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
# A list parameter (distinct integers, e.g. for `pk__in`) compiles to one SQL
# parameter per item: a plan is prepared per list length, up to this many items;
# longer lists run the builder's queryset as usual.
MAX_LIST_ITEMS = 16


def _placeholder(kind: type, index: int, length: int = 0) -> Any:
    if kind is str:
        return f"\x1fplan-parameter-{index}\x1f"
    if kind is int:
        return -(2**31) + 7919 * (index + 1)
    if kind is datetime:
        return _EPOCH + timedelta(days=index, microseconds=index)
    if kind is list:
        return [-(2**30) - 104729 * (index + 1) - item for item in range(length)]
    raise TypeError(f"QueryPlan parameters are str, int, datetime or list, not {kind}")


class PlanError(RuntimeError):
    """The builder's queryset cannot be reused with other parameter values."""


# (position among the SQL parameters, parameter name, list item or -1, adapter)
Slot = tuple[int, str, int, Callable[[Any], Any]]


class _Prepared:
    """One alias's compiled SQL, the parameter slots and the compiler that knows
    how to turn its rows into objects."""

    def __init__(self, queryset: QuerySet, placeholders: dict[str, Any], alias: str):
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()  # EmptyResultSet: no rows for any values
        self.sql = sql
        self.params = list(params)
        self.slots: list[Slot] = []
        for name, placeholder in placeholders.items():
            items = (
                list(enumerate(placeholder))
                if isinstance(placeholder, list)
                else [(-1, placeholder)]
            )
            for item, value in items:
                adapt = _adapter(connection, value)
                found = [i for i, p in enumerate(self.params) if p == adapt(value)]
                self.slots += [(i, name, item, adapt) for i in found]
        bound = {slot[0] for slot in self.slots}
        for position, param in enumerate(self.params):
            if isinstance(param, datetime) and position not in bound:
                raise PlanError(
                    f"{queryset.model.__name__}: a time in the SQL is not a "
                    "parameter (it would be frozen at the first call)"
                )
        self.compiler = compiler
        # The row converters, per thread (they may hold its connection).
        self.converters = threading.local()

    def bind(self, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, item, adapt in self.slots:
            value = values[name] if item < 0 else values[name][item]
            params[position] = adapt(value)
        return params


def _adapter(connection: Any, placeholder: Any) -> Callable[[Any], Any]:
    if isinstance(placeholder, datetime):
        return connection.ops.adapt_datetimefield_value
    return lambda value: value


class _FixedQuery:
    """What ModelIterable asks of a queryset's query: a compiler with its SQL."""

    def __init__(self, compiler: Any) -> None:
        self._compiler = compiler

    def get_compiler(self, using: str | None = None, **kwargs: Any) -> Any:
        return self._compiler


class _FixedQuerySet:
    """What ModelIterable reads of a queryset (no known related objects)."""

    _known_related_objects: dict = {}

    def __init__(self, model: type[Model], db: str, compiler: Any) -> None:
        self.model = model
        self.db = db
        self.query = _FixedQuery(compiler)


class QueryPlan(Generic[M]):
    """A queryset built and compiled once per database alias (see the module)."""

    def __init__(
        self, model: type[M], build: Callable[..., QuerySet[M]], **parameters: type
    ) -> None:
        self.model = model
        self.build = build
        self.kinds = parameters
        for i, kind in enumerate(parameters.values()):
            _placeholder(kind, i)  # refuses a kind it cannot stand in for
        self._prepared: dict[tuple, _Prepared | None] = {}
        self._lock = threading.Lock()

    def _for(self, alias: str, shape: tuple[int, ...]) -> _Prepared | None:
        """The plan for this alias and these list lengths (None: no rows, as
        for an empty `__in`)."""
        key = (alias, shape)
        if key in self._prepared:
            return self._prepared[key]
        with self._lock:
            if key not in self._prepared:
                lengths = iter(shape)
                placeholders = {
                    name: _placeholder(kind, i, next(lengths) if kind is list else 0)
                    for i, (name, kind) in enumerate(self.kinds.items())
                }
                queryset = self.build(**placeholders)
                if queryset.model is not self.model:
                    raise PlanError(
                        f"the builder reads {queryset.model}, not {self.model}"
                    )
                try:
                    self._prepared[key] = _Prepared(queryset, placeholders, alias)
                except EmptyResultSet:
                    self._prepared[key] = None
            return self._prepared[key]

    def all(self, **values: Any) -> list[M]:
        """The rows as the built queryset would give them (routed like it)."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"expected {sorted(self.kinds)}, got {sorted(values)}")
        lists = [values[name] for name, kind in self.kinds.items() if kind is list]
        if any(len(set(items)) != len(items) for items in lists):
            raise ValueError("the items of a list parameter must be distinct")
        if any(len(items) > MAX_LIST_ITEMS for items in lists):
            return list(self.build(**values))
        alias = router.db_for_read(self.model)
        prepared = self._for(alias, tuple(len(items) for items in lists))
        if prepared is None:
            return []
        sql, params = prepared.sql, prepared.bind(values)
        compiler = copy.copy(prepared.compiler)
        compiler.connection = connections[alias]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        converters = getattr(prepared.converters, "value", None)
        if converters is None:  # the same columns every call: looked up once
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = prepared.converters.value = compiler.get_converters(columns)
        compiler.get_converters = lambda expressions: converters
        queryset = _FixedQuerySet(self.model, alias, compiler)
        return list(ModelIterable(queryset))  # type: ignore[arg-type]

    def first(self, **values: Any) -> M | None:
        """The first row (the builder orders and limits the query)."""
        found = self.all(**values)
        return found[0] if found else None

    def delete(self, **values: Any) -> int:
        """How many rows deleted of the queryset's, as its delete() would without
        fetching them (else that runs: delete signals, relations). No list plans."""
        if values.keys() != self.kinds.keys() or list in self.kinds.values():
            raise TypeError(f"expected {sorted(self.kinds)}, got {sorted(values)}")
        alias = router.db_for_write(self.model)
        if not Collector(alias, origin=None).can_fast_delete(self.model):  # type: ignore[arg-type]
            return self.build(**values).delete()[0]
        if (key := (alias, (-1,))) not in self._prepared:  # -1: no list is that long
            kinds = enumerate(self.kinds.items())
            names = {name: _placeholder(kind, i) for i, (name, kind) in kinds}
            query = self.build(**names).query.chain(sql.DeleteQuery)
            query.select_for_update = query.select_related = False
            query.clear_ordering(force=True)
            deleting = SimpleNamespace(query=query, model=self.model)
            with self._lock:
                self._prepared[key] = _Prepared(deleting, names, alias)  # type: ignore[arg-type]
        prepared: Any = self._prepared[key]
        with transaction.mark_for_rollback_on_error(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute(prepared.sql, prepared.bind(values))
                return cursor.rowcount


# --- writes: compiled once; values prepared as the ORM does, save() & co kept around.
def _of(model: type[Model], obj: Any) -> Any:
    if obj.__class__ is not model:
        raise TypeError(f"expected a {model.__name__}, not {obj.__class__}")
    return obj


class InsertPlan(Generic[M]):
    """`save(force_insert=True)`, `bulk_create()`; ignore_conflicts: DO NOTHING."""

    def __init__(self, model: type[M], *, ignore_conflicts: bool = False) -> None:
        meta = model._meta
        made = [f for f in meta.concrete_fields if f.generated or f.has_db_default()]
        if meta.parents or meta.proxy or meta.order_with_respect_to or made:
            raise PlanError(f"{model.__name__}: inherited, ordered or database-made")
        self.model, self.ignore_conflicts = model, ignore_conflicts
        fields, auto = meta.local_concrete_fields, meta.auto_field
        self._columns = {True: fields, False: [f for f in fields if f is not auto]}
        self._prepared: dict[tuple, tuple[str, dict] | None] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str, objs: list, pk_set: bool) -> tuple[str, dict] | None:
        features, fields = connections[alias].features, self._columns[pk_set]
        if (
            not features.can_return_columns_from_insert
            or (len(objs) > 1 and not features.can_return_rows_from_bulk_insert)
            or (self.ignore_conflicts and not features.supports_ignore_conflicts)
            or any(hasattr(field, "get_placeholder") for field in fields)
        ):
            return None
        ignore = OnConflict.IGNORE if self.ignore_conflicts else None
        query = sql.InsertQuery(self.model, on_conflict=ignore)
        query.insert_values(fields, objs)
        compiler = query.get_compiler(using=alias)
        compiler.returning_fields = self.model._meta.db_returning_fields
        statements = compiler.as_sql()
        if len(statements) != 1 or len(statements[0][1]) != len(objs) * len(fields):
            return None
        columns = [f.get_col(f.model._meta.db_table) for f in compiler.returning_fields]
        return statements[0][0], compiler.get_converters(columns)

    def _insert(self, alias: str, objs: list, pk_set: bool) -> int | None:
        """Rows the planned INSERT wrote, returned columns set (None: not planned)."""
        fields = self._columns[pk_set]
        pairs = [(f, f.pre_save(obj, True)) for obj in objs for f in fields]
        if any(hasattr(value, "resolve_expression") for _, value in pairs):
            return None
        key = (alias, len(objs), pk_set)
        if key not in self._prepared:
            with self._lock:  # the compiler runs pre_save too: take its values
                self._prepared[key] = self._compile(alias, objs, pk_set)
            pairs = [(f, f.pre_save(obj, True)) for obj in objs for f in fields]
        if (prepared := self._prepared[key]) is None:
            return None
        connection, returning = connections[alias], self.model._meta.db_returning_fields
        params = [f.get_db_prep_save(v, connection) for f, v in pairs]
        with connection.cursor() as cursor:
            cursor.execute(prepared[0], params)
            written, rows = cursor.rowcount, cursor.fetchall() if returning else []
        for obj, row in zip(objs, rows, strict=False):  # none left out: no conflicts
            for position, value in enumerate(row):
                convs, column = prepared[1].get(position, ((), None))
                for converter in convs:
                    value = converter(value, column, connection)
                setattr(obj, returning[position].attname, value)
        for obj in objs[:written]:
            obj._state.adding, obj._state.db = False, alias
        return written

    def save(self, obj: Any, *, using: str | None = None) -> bool:
        """`obj.save(force_insert=True)`; with ignore_conflicts, False and nothing
        written (no post_save) when a unique value is taken (on the ORM's path:
        on any IntegrityError). Else True."""
        obj = _of(self.model, obj)
        meta = self.model._meta
        obj._prepare_related_fields_for_save(operation_name="save")
        alias = using or router.db_for_write(self.model, instance=obj)
        kwargs = {"instance": obj, "raw": False, "using": alias, "update_fields": None}
        signals.pre_save.send(sender=self.model, **kwargs)
        with transaction.mark_for_rollback_on_error(using=alias):
            if not obj._is_pk_set(meta):
                setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
            written = self._insert(alias, [obj], obj._is_pk_set(meta))
            if written is None and not self.ignore_conflicts:  # the ORM's path
                obj._save_table(cls=self.model, force_insert=True, using=alias)
                written = 1
        if written is None:  # the ORM's path: a savepoint stands in for DO NOTHING
            try:
                with transaction.atomic(using=alias):
                    obj._save_table(cls=self.model, force_insert=True, using=alias)
            except IntegrityError:
                return False
        elif not written:
            return False
        obj._state.adding, obj._state.db = False, alias
        signals.post_save.send(sender=self.model, created=True, **kwargs)
        return True

    def bulk_create(self, objs: list[Any], *, using: str | None = None) -> list[M]:
        """`bulk_create(objs)`: up to MAX_LIST_ITEMS rows of the same pk state."""
        objs, meta = list(objs), self.model._meta
        if self.ignore_conflicts:  # rows left out: which ones?
            raise PlanError("this plan ignores conflicts: no bulk_create")
        if not objs:
            return objs
        alias = using or router.db_for_write(self.model)
        for obj in objs:
            if not obj._is_pk_set(meta):
                obj.pk = meta.pk.get_pk_value_on_save(obj)
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        pk_states = {obj._is_pk_set(meta) for obj in objs}
        if len(pk_states) == 1 and len(objs) <= MAX_LIST_ITEMS:
            with transaction.mark_for_rollback_on_error(using=alias):
                if self._insert(alias, objs, pk_states.pop()) is not None:
                    return objs
        return self.model._base_manager.using(alias).bulk_create(objs)


class UpdatePlan(Generic[M]):
    """`obj.save(update_fields=fields)`: the UPDATE of these columns by pk."""

    def __init__(self, model: type[M], *fields: str) -> None:
        self.model = model
        self.fields: list[Any] = [model._meta.get_field(name) for name in fields]
        if (model._meta.parents or model._meta.proxy or not fields) or any(
            not f.concrete
            or f.primary_key
            or f.generated
            or hasattr(f, "get_placeholder")
            for f in self.fields
        ):
            raise PlanError(f"{model.__name__}: a plain model's non-key columns")
        self.update_fields = frozenset(fields)
        self._prepared: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def _triples(self, values: list[Any]) -> list[tuple[Any, None, Any]]:
        return [(f, None, v) for f, v in zip(self.fields, values, strict=True)]

    def _compile(self, alias: str, pk: Any, values: list[Any]) -> str | None:
        query: Any = self.model._base_manager.filter(pk=pk).query.chain(sql.UpdateQuery)
        query.add_update_fields(self._triples(values))
        text, params = query.get_compiler(using=alias).as_sql()
        return text if len(params) == len(self.fields) + 1 else None

    def _run(self, alias: str, pk: Any, values: list[Any]) -> int:
        """Rows updated (the ORM's path for expressions and unplanned SQL)."""
        connection, pk_field = connections[alias], self.model._meta.pk
        expression = any(hasattr(v, "resolve_expression") for v in values)
        if alias not in self._prepared and not expression:
            with self._lock:
                self._prepared[alias] = self._compile(alias, pk, values)
        if expression or (text := self._prepared.get(alias)) is None:
            queryset: Any = self.model._base_manager.using(alias).filter(pk=pk)
            return queryset._update(self._triples(values))
        pairs = zip(self.fields, values, strict=True)
        params = [f.get_db_prep_save(v, connection) for f, v in pairs]
        key = pk_field.get_db_prep_value(pk_field.get_prep_value(pk), connection, True)
        with connection.cursor() as cursor:
            cursor.execute(text, [*params, key])
            return cursor.rowcount

    def save(self, obj: Any, *, using: str | None = None) -> None:
        obj = _of(self.model, obj)
        obj._prepare_related_fields_for_save(operation_name="save")
        alias = using or router.db_for_write(self.model, instance=obj)
        kwargs = dict(
            instance=obj, raw=False, using=alias, update_fields=self.update_fields
        )
        signals.pre_save.send(sender=self.model, **kwargs)
        with transaction.mark_for_rollback_on_error(using=alias):
            values = [field.pre_save(obj, False) for field in self.fields]
            if not self._run(alias, obj.pk, values):
                raise DatabaseError("Save with update_fields did not affect any rows.")
        obj._state.adding, obj._state.db = False, alias
        signals.post_save.send(sender=self.model, created=False, **kwargs)

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
(in the form the backend adapts it to, e.g. a datetime as text on SQLite), with
how a row becomes objects (which ModelIterable works out again on every run). A
call then runs that SQL with the real values in those positions, in one execute
and fetchall, and turns the rows into model instances exactly as the queryset
would (select_related objects and annotations included). So a builder must
depend on its parameters only: anything else it reads (the clock, settings) is
frozen at the first call; pass the time as a parameter (on PostgreSQL a datetime
in the SQL that is not one is refused when the plan is prepared). A parameter may
go unused: a builder that does not need the time still takes it, so an annotation
another app adds can use it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import Model, QuerySet, sql
from django.db.models.deletion import Collector
from django.db.models.query import ModelIterable, get_related_populators

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
        # How a row becomes objects, as ModelIterable works it out on every run:
        # the model's columns, the select_related objects' populators (they keep
        # no state between rows) and the annotations' positions.
        klass_info: Any = getattr(compiler, "klass_info", None)  # None: a DELETE
        # Composite keys need Django's own row handling (ModelIterable).
        self.lean = klass_info is not None and not compiler.has_composite_fields(
            [column[0] for column in compiler.select[: compiler.col_count]]
        )
        if self.lean:
            fields = klass_info["select_fields"]
            self.model = klass_info["model"]
            self.model_slice = slice(fields[0], fields[-1] + 1)
            self.init_list = [
                f[0].target.attname for f in compiler.select[self.model_slice]
            ]
            # django-stubs describe Django 6's signature (with fetch_mode).
            self.populators = get_related_populators(  # type: ignore[call-arg]
                klass_info, compiler.select, alias
            )
            self.annotations = list(compiler.annotation_col_map.items())

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


class Compiled:
    """A plan's SQL with its values bound, and how its rows become objects: for
    a caller that runs it itself, e.g. inside a statement of its own (a write's
    WITH ahead of it, in the same round trip). `width` is its number of
    columns; `objects(rows)` takes rows of exactly those columns; its objects
    carry the attributes `annotation_names`."""

    def __init__(
        self, prepared: _Prepared, compiler: Any, converters: dict, params: list
    ) -> None:
        self.sql = prepared.sql
        self.params = params
        self.width = len(compiler.select)
        self.annotation_names = [name for name, _ in prepared.annotations]
        self._prepared = prepared
        self._compiler = compiler
        self._converters = converters

    def objects(self, rows: list) -> list:
        """The rows as ModelIterable turns them into objects (the model's, its
        select_related ones, the annotations), without its per-run setup."""
        prepared, compiler = self._prepared, self._compiler
        if self._converters:
            rows = compiler.apply_converters(rows, self._converters)
        alias, model = compiler.using, prepared.model
        columns, init_list = prepared.model_slice, prepared.init_list
        objects = []
        for row in rows:
            obj = model.from_db(alias, init_list, row[columns])
            for populator in prepared.populators:
                populator.populate(row, obj)
            for name, position in prepared.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def run(self) -> list:
        """One cursor.execute and fetchall instead of the compiler's chunked fetch."""
        with self._compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return self.objects(cursor.fetchall())


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

    def _bound(
        self, alias: str | None, values: dict[str, Any]
    ) -> tuple[_Prepared, Any, dict, list] | list[M]:
        """The prepared plan, a compiler on this thread's connection, its row
        converters and the bound parameters; or the rows themselves when no plan
        runs (an empty `__in`, a list too long)."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"expected {sorted(self.kinds)}, got {sorted(values)}")
        lists = [values[name] for name, kind in self.kinds.items() if kind is list]
        if any(len(set(items)) != len(items) for items in lists):
            raise ValueError("the items of a list parameter must be distinct")
        if any(len(items) > MAX_LIST_ITEMS for items in lists):
            return list(self.build(**values))
        alias = alias or router.db_for_read(self.model)
        prepared = self._for(alias, tuple(len(items) for items in lists))
        if prepared is None:
            return []
        compiler = copy.copy(prepared.compiler)
        compiler.connection = connections[alias]  # this thread's connection
        converters = getattr(prepared.converters, "value", None)
        if converters is None:  # the same columns every call: looked up once
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = prepared.converters.value = compiler.get_converters(columns)
        return prepared, compiler, converters, prepared.bind(values)

    def compiled(self, *, using: str, **values: Any) -> Compiled:
        """The plan's SQL and values for database `using`, for a caller to run in
        a statement of its own (see Compiled). Lists are not taken."""
        if list in self.kinds.values():
            raise TypeError("a compiled plan takes no list parameter")
        bound = self._bound(using, values)
        if isinstance(bound, list) or not bound[0].lean:
            raise PlanError(f"{self.model.__name__}: this plan cannot be compiled")
        return Compiled(*bound)

    def all(self, **values: Any) -> list[M]:
        """The rows as the built queryset would give them (routed like it)."""
        bound = self._bound(None, values)
        if isinstance(bound, list):
            return bound
        prepared, compiler, converters, params = bound
        if prepared.lean:
            return Compiled(prepared, compiler, converters, params).run()
        sql = prepared.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        compiler.get_converters = lambda expressions: converters
        queryset = _FixedQuerySet(self.model, compiler.using, compiler)
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

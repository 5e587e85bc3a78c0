"""Hot reads compiled once per process: the ORM builds the SQL the first time,
later calls only bind new parameter values.

Building a queryset with annotations, subqueries and joins (`filter`, `annotate`,
`Exists`, `select_related`) and compiling it to SQL costs far more CPU than
running it on the database: a cart read with its sale and voucher annotations
spends most of its time in the ORM before a byte reaches PostgreSQL. A
`QueryPlan` keeps the queryset definition in the ORM (the one source of truth)
and does that work once per process and database alias:

    CART = QueryPlan(lambda token: Cart.objects.filter(token=token), token=str)
    cart = CART.first(token="...")

The builder is called once with a placeholder value per named parameter (a
string, integer or aware datetime no real value takes), the queryset is compiled,
and the positions where each placeholder landed among the SQL parameters are
recorded (in the form the backend adapts it to, e.g. a datetime as text on
SQLite). A call then runs that SQL with the real values in those positions and
turns the rows into model instances exactly as the queryset would (select_related
objects and annotations included). So a builder must depend on its parameters
only: anything else it reads (the clock, settings) is frozen at the first call;
pass the time as a parameter (on PostgreSQL a datetime in the SQL that is not
one is refused when the plan is prepared). A parameter may go unused: a builder that does not
need the time still takes it, so an annotation another app adds can use it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable

M = TypeVar("M", bound=Model)

_EPOCH = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)


def _placeholder(kind: type, index: int) -> Any:
    if kind is str:
        return f"\x1fplan-parameter-{index}\x1f"
    if kind is int:
        return -(2**31) + 7919 * (index + 1)
    if kind is datetime:
        return _EPOCH + timedelta(days=index, microseconds=index)
    raise TypeError(f"QueryPlan parameters are str, int or datetime, not {kind!r}")


class PlanError(RuntimeError):
    """The builder's queryset cannot be reused with other parameter values."""


class _Prepared:
    """One alias's compiled SQL, the parameter slots and the compiler that knows
    how to turn its rows into objects."""

    def __init__(self, queryset: QuerySet, placeholders: dict[str, Any], alias: str):
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        self.slots: list[tuple[int, str, Callable[[Any], Any]]] = []
        for name, placeholder in placeholders.items():
            adapt = _adapter(connection, placeholder)
            positions = [
                i for i, p in enumerate(self.params) if p == adapt(placeholder)
            ]
            self.slots += [(i, name, adapt) for i in positions]
        bound = {position for position, _, _ in self.slots}
        for position, param in enumerate(self.params):
            if isinstance(param, datetime) and position not in bound:
                raise PlanError(
                    f"{queryset.model.__name__}: a time in the SQL is not a "
                    "parameter (it would be frozen at the first call)"
                )
        self.compiler = compiler
        self.model = queryset.model

    def bind(self, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, adapt in self.slots:
            params[position] = adapt(values[name])
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
        self.placeholders = {
            name: _placeholder(kind, i)
            for i, (name, kind) in enumerate(parameters.items())
        }
        self._prepared: dict[str, _Prepared] = {}
        self._lock = threading.Lock()

    def _for(self, alias: str) -> _Prepared:
        prepared = self._prepared.get(alias)
        if prepared is None:
            with self._lock:
                prepared = self._prepared.get(alias)
                if prepared is None:
                    queryset = self.build(**self.placeholders)
                    if queryset.model is not self.model:
                        raise PlanError(
                            f"the builder reads {queryset.model}, not {self.model}"
                        )
                    prepared = _Prepared(queryset, self.placeholders, alias)
                    self._prepared[alias] = prepared
        return prepared

    def all(self, **values: Any) -> list[M]:
        """The rows as the built queryset would give them (routed like it)."""
        if values.keys() != self.placeholders.keys():
            raise TypeError(
                f"expected {sorted(self.placeholders)}, got {sorted(values)}"
            )
        alias = router.db_for_read(self.model)
        prepared = self._for(alias)
        sql, params = prepared.sql, prepared.bind(values)
        compiler = copy.copy(prepared.compiler)
        compiler.connection = connections[alias]  # this thread's connection
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = _FixedQuerySet(self.model, alias, compiler)
        return list(ModelIterable(queryset))  # type: ignore[arg-type]

    def first(self, **values: Any) -> M | None:
        """The first row (the builder orders and limits the query)."""
        found = self.all(**values)
        return found[0] if found else None

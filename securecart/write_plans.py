"""Hot INSERTs and UPDATEs compiled once per process, as `securecart.query_plans`
compiles hot reads.

Django's compiler builds the statement of the first call; later calls only prepare
the values (each field's `pre_save` and `get_db_prep_save`, as the ORM does). What
`save()`/`bulk_create()` do around the statement (pk default, related checks,
signals, `_state`, rollback marking) is kept; a value that is an expression, or a
backend without RETURNING, takes the ORM's path.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import Model, signals, sql
from django.db.models.constants import OnConflict

from .query_plans import MAX_LIST_ITEMS, PlanError

M = TypeVar("M", bound=Model)


# --- writes: compiled once; values prepared as the ORM does, save() & co kept around.
def _of(model: type[Model], obj: Any) -> Any:
    if obj.__class__ is not model:
        raise TypeError(f"expected a {model.__name__}, not {obj.__class__}")
    return obj


def _returned_set(
    obj: Any, row: tuple, returning: list, converters: dict, connection: Any
) -> None:
    """Set the columns an INSERT returned on its object, converted as the ORM would."""
    for position, value in enumerate(row):
        convs, column = converters.get(position, ((), None))
        for converter in convs:
            value = converter(value, column, connection)
        setattr(obj, returning[position].attname, value)


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
            # A row per row written when columns come back (one skipped by DO
            # NOTHING returns none); SQLite counts rowcount only once they are read.
            rows = cursor.fetchall() if returning else []
            written = len(rows) if returning else cursor.rowcount
        for obj, row in zip(objs, rows, strict=False):  # none left out: no conflicts
            _returned_set(obj, row, returning, prepared[1], connection)
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

"""A ModelSerializer base that derives its fields from the model once per class.

DRF's ModelSerializer rebuilds its fields from the model on every instance
(model field introspection, building each field's kwargs): for a cart answer,
one cart and one line serializer per response, that is most of the
serialisation time. `ModelSerializer` here builds them on the first instance of
a class and gives every instance deep copies of that prototype, as DRF already
does for declared fields, so each instance still owns (and binds) its fields.
A subclass whose fields depend on the instance or the context must not use it.

`represent(obj)` is `cls(obj).data` for answers: the deep copy, binding and
field lookup still cost a cart answer more than its values do, so each thread
keeps one output instance per class, whose fields were copied and bound once, and
only runs `to_representation`. For serializers whose output depends on the
object alone (no context, no request): the shared instance has neither.

`plain_validated(cls, data)` is what `cls(data=data)` validates to when that
needs no work (exact values within the fields' bounds), else None: a hot write
(shop.api_views.PlainJsonApi) checks its body without building a serializer and
leaves everything else to the serializer.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from django.core import validators
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = super().get_fields()
            cls._fields_prototype = prototype  # this class only, not its subclasses
        return copy.deepcopy(prototype)

    @classmethod
    def represent(cls, instance: Any) -> Any:
        """`cls(instance).data` (a plain dict), from this thread's output
        instance of the class (see the module)."""
        outputs = cls.__dict__.get("_outputs")
        if outputs is None:
            outputs = cls._outputs = threading.local()  # this class only
        serializer = getattr(outputs, "serializer", None)
        if serializer is None:
            serializer = outputs.serializer = cls()
        return serializer.to_representation(instance)


# The field kinds `plain_validated` checks itself: values JSON already gives in
# the validated type, with the serializer's own bounds.
_PLAIN_KINDS: dict[type, type] = {
    serializers.IntegerField: int,
    serializers.CharField: str,
}
# The validators DRF gives those fields from their arguments (checked here too).
_PLAIN_VALIDATORS = (
    validators.MinValueValidator,
    validators.MaxValueValidator,
    validators.MinLengthValidator,
    validators.MaxLengthValidator,
    validators.ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_plain_specs: dict[type, tuple | None] = {}


def _plain_spec(serializer_class: type[serializers.Serializer]) -> tuple | None:
    """(name, kind, field) per field when every field is required, of a kind in
    _PLAIN_KINDS with DRF's own validators only, and the serializer validates no
    field or object itself; else None (the serializer must decide)."""
    if serializer_class not in _plain_specs:
        serializer = serializer_class()
        spec: tuple | None = tuple(
            (name, _PLAIN_KINDS.get(type(field)), field)
            for name, field in serializer.fields.items()
        )
        custom = serializer_class.validate is not serializers.Serializer.validate
        if custom or any(
            kind is None
            or not field.required
            or hasattr(serializer, f"validate_{name}")
            or any(type(v) not in _PLAIN_VALIDATORS for v in field.validators)
            or (kind is str and (field.allow_blank or not field.trim_whitespace))
            for name, kind, field in spec or ()
        ):
            spec = None
        _plain_specs[serializer_class] = spec
    return _plain_specs[serializer_class]


def plain_validated(
    serializer_class: type[serializers.Serializer], data: Any
) -> dict[str, Any] | None:
    """`serializer_class(data=data)`'s validated_data when `data` needs no
    conversion and no message: a dict whose values for the serializer's fields
    already have the validated type and lie within the fields' bounds (an int,
    not "2" or 2.0; a string with nothing to trim). None otherwise, and for a
    serializer with other kinds of fields or validation of its own: run the
    serializer, which converts the value or words the error."""
    spec = _plain_spec(serializer_class)
    if spec is None or not isinstance(data, dict):
        return None
    validated: dict[str, Any] = {}
    for name, kind, field in spec:
        value = data.get(name)
        if type(value) is not kind:
            return None
        if kind is int:
            if (field.min_value is not None and value < field.min_value) or (
                field.max_value is not None and value > field.max_value
            ):
                return None
        elif not _plain_text(str(value), field):
            return None
        validated[name] = value
    return validated


def _plain_text(value: str, field: serializers.CharField) -> bool:
    if not value or value != value.strip() or "\x00" in value:
        return False
    if field.max_length is not None and len(value) > field.max_length:
        return False
    if field.min_length is not None and len(value) < field.min_length:
        return False
    try:
        value.encode("utf-8")  # a lone surrogate is refused by DRF
    except UnicodeEncodeError:
        return False
    return True

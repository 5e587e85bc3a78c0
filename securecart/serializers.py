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
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from rest_framework import serializers


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

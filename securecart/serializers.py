"""A ModelSerializer base that derives its fields from the model once per class.

DRF's ModelSerializer rebuilds its fields from the model on every instance
(model field introspection, building each field's kwargs): for a cart answer,
one cart and one line serializer per response, that is most of the
serialisation time. `ModelSerializer` here builds them on the first instance of
a class and gives every instance deep copies of that prototype, as DRF already
does for declared fields, so each instance still owns (and binds) its fields.
A subclass whose fields depend on the instance or the context must not use it.
"""

from __future__ import annotations

import copy
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

"""Admin form parts for the catalog: variant options as key/value rows, inline
rows whose every input has an accessible name, image thumbnails."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

OPTION_ROWS_EMPTY = 2  # blank rows offered for new options


class OptionsWidget(forms.Widget):
    """A variant's options ({"size": "L"}) as rows of name and value inputs."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)

    def _rows(self, value: Any) -> list[tuple[str, str]]:
        if isinstance(value, dict):
            pairs = list(value.items())
        elif isinstance(value, list):  # posted rows, redisplayed with an error
            pairs = [tuple(row) for row in value if len(row) == 2]
        else:
            pairs = []
        return [(str(k), str(v)) for k, v in pairs] + [("", "")] * OPTION_ROWS_EMPTY

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = {**self.attrs, **(attrs or {})}
        whose = str(attrs.get("aria-label", "")).replace("Options of ", "") or "variant"
        rows = format_html_join(
            "",
            '<li><input type="text" name="{0}_key_{1}" value="{2}" maxlength="40" '
            'aria-label="Option {3} name of {5}" placeholder="name"> '
            '<input type="text" name="{0}_value_{1}" value="{4}" maxlength="80" '
            'aria-label="Option {3} value of {5}" placeholder="value"></li>',
            (
                (name, i, key, i + 1, val, whose)
                for i, (key, val) in enumerate(self._rows(value))
            ),
        )
        return format_html(
            '<ul class="options-rows" id="{}">{}</ul>'
            '<input type="hidden" name="{}_rows" value="{}">',
            attrs.get("id", name),
            rows,
            name,
            len(self._rows(value)),
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if f"{name}_rows" not in data:
            return data.get(name)  # plain JSON posted (API-like clients, tests)
        try:
            count = min(int(data.get(f"{name}_rows", 0)), 50)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for i in range(count):
            key = (data.get(f"{name}_key_{i}") or "").strip()
            value = (data.get(f"{name}_value_{i}") or "").strip()
            if key or value:
                rows.append((key, value))
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}_rows" not in data and name not in data


class OptionsField(forms.JSONField):
    """Clean the widget's rows into a dict; a value without a name is an error."""

    widget = OptionsWidget

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            if any(not key for key, _ in value):
                raise forms.ValidationError("Every option value needs a name.")
            keys = [key for key, _ in value]
            if len(set(keys)) != len(keys):
                raise forms.ValidationError("Each option name only once.")
            return dict(value)
        return super().to_python(value)

    def bound_data(self, data: Any, initial: Any) -> Any:
        if isinstance(data, list):
            return data  # the rows as typed
        return super().bound_data(data, initial)

    def prepare_value(self, value: Any) -> Any:
        return value  # the widget renders the dict itself, not its JSON

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial or {})
        except forms.ValidationError:
            return True


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """Give every input of a tabular inline row an accessible name ("Alt text
    of kettle.png", "Delete KETTLE-CU"), the DELETE box included: the column
    header alone is not tied to the input."""

    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:
        super().add_fields(form, index)
        instance = getattr(form, "instance", None)
        verbose = str(self.model._meta.verbose_name) if self.model else "row"
        if instance is not None and instance.pk:
            row = getattr(instance, "sku", "") or f"{verbose} {instance}"
        else:
            row = f"new {verbose}"
        for name, field in form.fields.items():
            if name == "DELETE":
                field.widget.attrs["aria-label"] = f"Delete {row}"
            elif "aria-label" not in field.widget.attrs:
                label = capfirst(str(field.label or name))
                field.widget.attrs["aria-label"] = f"{label} of {row}"


def image_thumbnail(image: Any, *, alt: str = "") -> SafeString:
    """A 48 px preview of an ImageField file (empty when there is none)."""
    if not image or not getattr(image, "name", ""):
        return format_html("{}", "—")
    return format_html(
        '<img src="{}" alt="{}" class="admin-thumb" width="48" height="48" '
        'loading="lazy">',
        image.url,
        alt,
    )

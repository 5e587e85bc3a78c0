"""The shopper's return request form: units per returnable line, and why."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import OrderLine


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(
        label="Why are you returning these?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self, *args: Any, returnable: list[tuple[OrderLine, int]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.line_fields: list[tuple[str, OrderLine]] = []
        for line, left in returnable:
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{line.product_name} ({line.variant_name}): units to return",
                min_value=0,
                max_value=left,
                required=False,
                initial=0,
                help_text=f"Up to {left}.",
            )
            self.line_fields.append((name, line))
        self.order_fields([name for name, _ in self.line_fields] + ["reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["lines"] = {
            line.pk: data[name] for name, line in self.line_fields if data.get(name)
        }
        if not data["lines"]:
            raise forms.ValidationError("Choose at least one item to return.")
        return data

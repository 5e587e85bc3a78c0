"""Forms of the staff order actions in admin (reason, refund, resend)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from .models import Order

REASON_HELP = "Recorded in the order's timeline with your name and the time."


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP
    )

    def __init__(self, *args: Any, order: Order | None = None, **kwargs: Any) -> None:
        self.order = order
        super().__init__(*args, **kwargs)


class RefundForm(ReasonForm):
    """A full refund, an amount, or units of lines (priced as paid)."""

    FULL, AMOUNT, LINES = "full", "amount", "lines"
    mode = forms.ChoiceField(
        label="Refund",
        choices=[
            (FULL, "Everything left, and mark the order refunded"),
            (AMOUNT, "An amount"),
            (LINES, "Units of lines (priced as paid)"),
        ],
        widget=forms.RadioSelect,
        initial=LINES,
    )
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    restock = forms.BooleanField(
        required=False,
        label="Put the refunded units back on the shelf",
        help_text="Only for goods that were shipped and came back.",
    )
    field_order = ["mode", "amount", "restock", "reason"]

    def __init__(self, *args: Any, order: Order | None = None, **kwargs: Any) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.line_fields: list[tuple[str, Any]] = []
        for line in order.lines.all() if order else []:
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=line.quantity,
                label=f"{line.sku} ({line.product_name}, {line.quantity} bought)",
            )
            self.line_fields.append((name, line))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        data["lines"] = {
            line.pk: data[name]
            for name, line in self.line_fields
            if data.get(name)  # blank or 0: not refunded
        }
        if mode == self.AMOUNT and not data.get("amount"):
            self.add_error("amount", "Enter the amount to refund.")
        if mode == self.LINES and not data["lines"]:
            raise forms.ValidationError("Enter how many units of which lines.")
        if mode == self.FULL and data.get("restock"):
            self.add_error("restock", "Restock goes with a refund by line.")
        return data


class ResendForm(ReasonForm):
    notification = forms.TypedChoiceField(
        coerce=int, label="Notification to send again", choices=[]
    )
    field_order = ["notification", "reason"]

    def __init__(
        self,
        *args: Any,
        order: Order | None = None,
        choices: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, order=order, **kwargs)
        field = self.fields["notification"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices or []

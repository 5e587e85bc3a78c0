"""Sales report (<admin>/dashboard/sales/): revenue, orders and units by day and by
category for a date range, as an SVG chart and tables, or as CSV.

Revenue is what orders placed in the range brought in: their totals, less what
was refunded, cancelled orders left out; by category it is the line totals after
line discounts (shipping and tax are not a category's). Three queries, whatever
the range.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from orders.report_selectors import sales_by_category, sales_by_day
from securecart.models import OPERATIONS_PERMISSION

from .chart import chart_build

MAX_DAYS = 366


class RangeForm(forms.Form):
    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("“To” is before “From”.")
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        return data


def _default_range() -> dict[str, date]:
    today = timezone.localdate()
    return {"start": today - timedelta(days=29), "end": today}


def _csv(
    days: list[dict], categories: list[dict], start: date, end: date
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sales-{start}-{end}.csv"'
    writer = csv.writer(response)
    writer.writerow(["day", "orders", "units", "revenue"])
    for row in days:
        writer.writerow(
            [
                row["day"].isoformat(),
                row["orders"],
                row["units"],
                _money(row["revenue"]),
            ]
        )
    writer.writerow([])
    writer.writerow(["category", "orders", "units", "revenue"])
    for row in categories:
        writer.writerow(
            [row["category"], row["orders"], row["units"], _money(row["revenue"])]
        )
    return response


def _money(amount: object) -> str:
    """Two decimals whatever the database summed them to (SQLite drops the scale)."""
    return f"{amount:.2f}"


@never_cache
def _sales(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(OPERATIONS_PERMISSION):
        raise PermissionDenied
    form = RangeForm(
        request.GET if "start" in request.GET else None, initial=_default_range()
    )
    valid = form.is_valid() if form.is_bound else True
    span = form.cleaned_data if form.is_bound and valid else _default_range()
    context = {
        **admin.site.each_context(request),
        "title": "Sales report",
        "form": form,
    }
    if valid:
        currency = settings.STORE_CURRENCY
        days = sales_by_day(currency=currency, **span)
        categories = sales_by_category(currency=currency, **span)
        if request.GET.get("format") == "csv":
            return _csv(days, categories, span["start"], span["end"])
        context.update(
            days=days,
            categories=categories,
            currency=currency,
            span=span,
            totals={
                k: sum(row[k] for row in days) for k in ("orders", "units", "revenue")
            },
            chart=chart_build(
                days,
                value="revenue",
                label=lambda p: p["day"].strftime("%d %b"),
                label_every=max(len(days) // 8, 1),
            ),
        )
    return TemplateResponse(
        request, "dashboard/sales.html", context, status=200 if valid else 400
    )


sales_view = admin.site.admin_view(_sales)

"""Django admin: vouchers (usage and revenue, (de)activation, bulk codes) and sales."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import services
from .models import Sale, Voucher, VoucherBatch, VoucherRedemption


def _save_changed_fields(obj: Any, form: Any) -> None:
    """Never write back a stale `used_count` that checkout moved meanwhile."""
    if obj.pk is None or obj._state.adding:
        obj.save()
        return
    concrete = {f.name for f in obj._meta.concrete_fields}
    fields = [name for name in form.changed_data if name in concrete]
    if fields:
        obj.save(update_fields=fields)


class RedemptionInline(admin.TabularInline):
    model = VoucherRedemption
    extra = 0
    can_delete = False
    fields = ("order_number", "email", "discount", "order_total", "created_at")
    readonly_fields = fields
    max_num = 0
    show_change_link = False


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "value",
        "usage",
        "revenue",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("is_active", "kind", "once_per_customer")
    search_fields = ("code", "name")
    filter_horizontal = ("products", "categories")
    readonly_fields = ("used_count", "created_at")
    actions = ("deactivate", "activate")
    inlines = (RedemptionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Voucher]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                revenue_total=Sum("redemptions__order_total"),
                discount_sum=Sum("redemptions__discount"),
                redemption_count=Count("redemptions"),
            )
        )

    @admin.display(description="used")
    def usage(self, voucher: Voucher) -> str:
        limit = "∞" if voucher.usage_limit is None else voucher.usage_limit
        return f"{voucher.used_count} / {limit}"

    @admin.display(description="revenue (discount)", ordering="revenue_total")
    def revenue(self, voucher: Any) -> str:
        revenue = voucher.revenue_total or 0
        discount = voucher.discount_sum or 0
        return f"{revenue:.2f} ({discount:.2f})"

    def save_model(self, request, obj, form, change) -> None:
        _save_changed_fields(obj, form)

    @admin.action(description="Deactivate (takes effect at once)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Voucher]) -> None:
        changed = services.voucher_set_active(
            voucher_ids=queryset.values_list("pk", flat=True), active=False
        )
        messages.success(request, f"{changed} voucher(s) deactivated.")

    @admin.action(description="Activate")
    def activate(self, request: HttpRequest, queryset: QuerySet[Voucher]) -> None:
        changed = services.voucher_set_active(
            voucher_ids=queryset.values_list("pk", flat=True), active=True
        )
        messages.success(request, f"{changed} voucher(s) activated.")


@admin.register(VoucherBatch)
class VoucherBatchAdmin(admin.ModelAdmin):
    """Generate N unique single-use codes from a template voucher's terms, in the
    background; download them as CSV when done."""

    list_display = ("template", "prefix", "count", "status", "created_at", "csv")
    fields = ("template", "count", "prefix", "status", "finished_at")
    readonly_fields = ("status", "finished_at")
    autocomplete_fields = ("template",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return (*self.fields,)
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return
        batch = services.voucher_batch_create(
            template=obj.template, count=obj.count, prefix=obj.prefix
        )
        obj.pk = batch.pk
        messages.info(request, f"Generating {obj.count} codes in the background.")

    @admin.display(description="CSV")
    def csv(self, batch: VoucherBatch) -> str:
        if batch.status != VoucherBatch.Status.DONE:
            return "—"
        url = reverse("admin:promotions_voucherbatch_csv", args=[batch.pk])
        return format_html('<a href="{}">Download</a>', url)

    def get_urls(self) -> list:
        return [
            path(
                "<int:pk>/csv/",
                self.admin_site.admin_view(self.csv_view),
                name="promotions_voucherbatch_csv",
            ),
            *super().get_urls(),
        ]

    def csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        batch = get_object_or_404(VoucherBatch, pk=pk)
        response = HttpResponse(
            services.voucher_batch_csv(batch=batch), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="vouchers-{batch.pk}.csv"'
        )
        return response


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display: tuple[str, ...] = (
        "name",
        "kind",
        "value",
        "starts_at",
        "ends_at",
        "state",
        "is_active",
    )
    list_filter = ("is_active", "kind")
    search_fields = ("name",)
    filter_horizontal = ("products", "categories", "variants")

    @admin.display(description="state")
    def state(self, sale: Sale) -> str:
        now = timezone.now()
        if not sale.is_active:
            return "off"
        if now < sale.starts_at:
            return "scheduled"
        return "running" if now < sale.ends_at else "ended"

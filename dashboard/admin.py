"""The Sale admin with each sale's orders and revenue.

Revenue per sale comes from order lines, which belong to orders; promotions
must not import orders (orders imports promotions), so promotions.admin cannot
show it. The dashboard app reads every app through its selectors, so it takes
promotions' SaleAdmin, adds the two columns from `orders.selectors.sale_revenue`
(one query per page of the list) and registers the result in its place.
Importing promotions.admin here registers the original first, whatever order
the admin's autodiscovery imports the apps in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from orders.selectors import SaleRevenue, sale_revenue
from promotions.admin import SaleAdmin
from promotions.models import Sale

from .models import StaffJob

_NONE = SaleRevenue(orders=0, revenue=Decimal("0.00"))


class SaleRevenueAdmin(SaleAdmin):
    list_display = (*SaleAdmin.list_display, "orders", "revenue")

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        sales = list(changelist.result_list)  # the page (fills its result cache)
        stats = sale_revenue(sale_ids=[sale.pk for sale in sales])
        for sale in sales:
            sale.revenue_stats = stats.get(sale.pk, _NONE)
        return changelist

    @admin.display(description="orders")
    def orders(self, sale: Any) -> int:
        return getattr(sale, "revenue_stats", _NONE).orders

    @admin.display(description="revenue")
    def revenue(self, sale: Any) -> str:
        return f"{getattr(sale, 'revenue_stats', _NONE).revenue:.2f}"


admin.site.unregister(Sale)
admin.site.register(Sale, SaleRevenueAdmin)


@admin.register(StaffJob)
class StaffJobAdmin(admin.ModelAdmin):
    """Staff jobs are started from the order/product lists; this lists them."""

    list_display = ("job", "kind", "status", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status")
    list_display_links = None

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request).select_related("created_by")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(created_by=request.user)

    @admin.display(description="job")
    def job(self, job: StaffJob) -> str:
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin-staff-job", args=[job.pk]), job.pk
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

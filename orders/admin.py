"""Staff admin: shipping methods, tax rates, and orders worked through actions.

Order fields are read-only here: every status change goes through the
services (and so through the state machine), never a form save.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from notifications.admin import notification_history

from . import admin_returns  # noqa: F401  (registers the returns admin)
from .admin_actions import OrderActionsMixin
from .admin_bulk import OrderBulkActionsMixin
from .models import (
    Order,
    OrderDocument,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentTransaction,
    Refund,
    ReturnRequest,
    ShippingMethod,
    TaxRate,
)
from .services.documents import order_has_documents
from .services.stepfunctions import fulfilment_execution_summary


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "price",
        "free_over",
        "currency",
        "countries",
        "is_active",
        "position",
    )
    list_editable = ("is_active", "position")
    prepopulated_fields = {"code": ("name",)}


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "name", "rate")
    search_fields = ("country", "name")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "product_name",
        "variant_name",
        "quantity",
        "unit_price",
        "line_total",
    )
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "gateway",
        "status",
        "amount",
        "captured_amount",
        "refunded_amount",
        "currency",
        "reference",
        "risk_level",
        "created_at",
    )
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "status", "restock", "reason", "actor_label")
    readonly_fields = fields


class ReturnRequestInline(ReadOnlyInline):
    model = ReturnRequest
    fields = ("created_at", "status", "reason", "staff_note", "refund")
    readonly_fields = fields
    show_change_link = True  # approve, reject and receive from the Returns list


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = (
        "created_at",
        "kind",
        "from_status",
        "to_status",
        "message",
        "actor_label",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")


class PaymentStatusFilter(admin.SimpleListFilter):
    title = "payment state"
    parameter_name = "payment"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return list(Payment.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(payment__status=self.value())
        return queryset


@admin.register(Order)
class OrderAdmin(OrderActionsMixin, OrderBulkActionsMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "placed_at",
        "email",
        "status",
        "payment_status",
        "total_with_currency",
        "risk_score_short",
    )
    list_filter = (
        "status",
        ("placed_at", admin.DateFieldListFilter),
        PaymentStatusFilter,
    )
    search_fields = ("=number", "email")
    date_hierarchy = "placed_at"
    list_select_related = ("payment",)
    change_form_template = "admin/orders/order/change_form.html"  # action buttons
    inlines = (
        OrderLineInline,
        PaymentInline,
        RefundInline,
        ReturnRequestInline,
        OrderEventInline,
    )
    actions = ("hold", "release", "cancel", "mark_shipped", "mark_delivered", "refund")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "status",
                    "status_changed_at",
                    "placed_at",
                    "user",
                    "email",
                    "phone",
                    "sms_opt_in",
                    "client_ip",
                )
            },
        ),
        (
            "Totals",
            {
                "fields": (
                    "currency",
                    "subtotal",
                    "shipping_total",
                    "tax_total",
                    "total",
                    "prices_include_tax",
                    "tax_rate",
                )
            },
        ),
        (
            "Shipping",
            {
                "fields": (
                    "shipping_method",
                    "shipping_name",
                    "shipping_line1",
                    "shipping_line2",
                    "shipping_city",
                    "shipping_region",
                    "shipping_postal_code",
                    "shipping_country",
                    "shipping_phone",
                    "carrier",
                    "tracking_number",
                    "shipped_at",
                    "delivered_at",
                )
            },
        ),
        (
            "Risk and stock",
            {
                "fields": (
                    "risk_score",
                    "risk_reasons_list",
                    "stock_released_at",
                    "stock_committed_at",
                )
            },
        ),
        ("Notifications", {"fields": ("notifications",)}),
        ("Documents", {"fields": ("documents",)}),
        ("Fulfilment", {"fields": ("fulfilment",)}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [f.name for f in Order._meta.concrete_fields] + [
            "notifications",
            "documents",
            "fulfilment",
            "risk_reasons_list",
        ]

    @admin.display(description="PDF")
    def documents(self, order: Order) -> str:
        if not order_has_documents(order):
            return "None yet: the invoice and packing slip are made once it is paid."
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("admin-order-document", args=[order.pk, kind.value]),
                    kind.label,
                )
                for kind in OrderDocument.Kind
            ),
        )

    @admin.display(description="Fulfilment engine")
    def fulfilment(self, order: Order) -> str:
        run = fulfilment_execution_summary(order=order)
        if not run["url"]:
            return "Celery (task chain)"
        return format_html(
            'Step Functions: {} at state "{}" (<a href="{}" rel="noopener" '
            'target="_blank">execution in the AWS console</a>)',
            run["status"],
            run["state"] or "-",
            run["url"],
        )

    @admin.display(description="Risk reasons")
    def risk_reasons_list(self, order: Order) -> str:
        reasons = [str(r) for r in order.risk_reasons or []]
        if not reasons:
            return "None"
        return format_html(
            '<ul class="risk-reasons">{}</ul>',
            format_html_join("", "<li>{}</li>", ((r,) for r in reasons)),
        )

    @admin.display(description="Sent to the customer")
    def notifications(self, order: Order) -> str:
        return notification_history(order.number)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed through checkout only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # an order is history: cancel or refund it instead

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # read-only page; status changes are the actions below

    @admin.display(description="total", ordering="total")
    def total_with_currency(self, order: Order) -> str:
        return f"{order.total} {order.currency}"

    @admin.display(description="risk", ordering="risk_score")
    def risk_score_short(self, order: Order) -> str:
        return "—" if order.risk_score is None else str(order.risk_score)

    @admin.display(description="payment")
    def payment_status(self, order: Order) -> str:
        payment = getattr(order, "payment", None)
        return payment.get_status_display() if payment else "—"


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "payment", "kind", "amount", "succeeded", "reference")
    list_filter = ("kind", "succeeded")
    search_fields = ("reference", "payment__order__number")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

"""Staff admin: shipping methods, tax rates, and orders worked through actions.

Order fields are read-only here: every status change goes through the
services (and so through the state machine), never a form save.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from notifications.admin import notification_history

from .exceptions import OrdersError
from .integrations.payments import GatewayError
from .models import (
    Order,
    OrderDocument,
    OrderEvent,
    OrderLine,
    Payment,
    PaymentTransaction,
    ShippingMethod,
    TaxRate,
)
from .services import (
    order_cancel,
    order_hold,
    order_mark_delivered,
    order_mark_shipped,
    order_refund,
    order_release,
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


class ShipForm(forms.Form):
    tracking_number = forms.CharField(max_length=100)
    carrier = forms.CharField(max_length=60, required=False)


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
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "placed_at",
        "email",
        "status",
        "payment_status",
        "total",
        "currency",
        "risk_score",
    )
    list_filter = (
        "status",
        ("placed_at", admin.DateFieldListFilter),
        PaymentStatusFilter,
    )
    search_fields = ("=number", "email")
    date_hierarchy = "placed_at"
    list_select_related = ("payment",)
    inlines = (OrderLineInline, PaymentInline, OrderEventInline)
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
                    "risk_reasons",
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

    @admin.display(description="Sent to the customer")
    def notifications(self, order: Order) -> str:
        return notification_history(order.number)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed through checkout only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # an order is history: cancel or refund it instead

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # read-only page; status changes are the actions below

    @admin.display(description="payment")
    def payment_status(self, order: Order) -> str:
        payment = getattr(order, "payment", None)
        return payment.get_status_display() if payment else "—"

    # permission checks used by @admin.action(permissions=[...])
    def has_hold_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.hold_order")

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.cancel_order")

    def has_ship_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.ship_order")

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.refund_order")

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        verb: str,
        action: Callable[[Order], object],
    ) -> None:
        done = 0
        for order in queryset.order_by("pk"):
            try:
                action(order)
                done += 1
            except (OrdersError, GatewayError) as exc:
                text = getattr(exc, "message", "") or str(exc)
                self.message_user(request, f"{order.number}: {text}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} order(s).", messages.SUCCESS)

    @admin.action(description="Hold for review", permissions=["hold"])
    def hold(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Held",
            lambda o: order_hold(order=o, actor=request.user, reason="held by staff"),
        )

    @admin.action(description="Release from hold", permissions=["hold"])
    def release(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Released",
            lambda o: order_release(
                order=o, actor=request.user, reason="released by staff"
            ),
        )

    @admin.action(
        description="Cancel (release stock, void/refund payment)",
        permissions=["cancel"],
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Cancelled",
            lambda o: order_cancel(
                order=o, actor=request.user, reason="cancelled by staff"
            ),
        )

    @admin.action(description="Mark shipped…", permissions=["ship"])
    def mark_shipped(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        form = ShipForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            self._apply(
                request,
                queryset,
                "Shipped",
                lambda o: order_mark_shipped(
                    order=o,
                    tracking_number=data["tracking_number"],
                    carrier=data["carrier"],
                    actor=request.user,
                ),
            )
            return None
        return TemplateResponse(
            request,
            "admin/orders/order/mark_shipped.html",
            {
                **self.admin_site.each_context(request),
                "title": "Mark orders shipped",
                "orders": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Mark delivered", permissions=["ship"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Delivered",
            lambda o: order_mark_delivered(order=o, actor=request.user),
        )

    @admin.action(description="Refund (full)", permissions=["refund"])
    def refund(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(
            request,
            queryset,
            "Refunded",
            lambda o: order_refund(
                order=o, actor=request.user, reason="refunded by staff"
            ),
        )


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

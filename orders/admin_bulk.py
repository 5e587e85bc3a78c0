"""The order list's bulk actions: each confirmed on a page that lists the
orders, says what will happen to each and asks why (see OrderAdmin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .exceptions import OrdersError
from .integrations.payments import GatewayError
from .models import Order
from .services import (
    order_cancel,
    order_hold,
    order_mark_delivered,
    order_mark_shipped,
    order_refund,
    order_release,
)
from .staff_forms import ReasonForm
from .staff_selectors import order_action_effects


class ShipForm(forms.Form):
    tracking_number = forms.CharField(max_length=100)
    carrier = forms.CharField(max_length=60, required=False)


def bulk_confirm(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    label: str,
    apply: Callable[[QuerySet, str], None],
) -> HttpResponse | None:
    """Run a list action only after its confirmation page (orders, what will
    happen to each, a reason); the first POST from the list shows that page."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        apply(queryset, form.cleaned_data["reason"])
        return None
    orders = [
        (order, order_action_effects(order=order, action=action))
        for order in queryset.order_by("pk")
    ]
    return TemplateResponse(
        request,
        "admin/orders/order/bulk_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label}: {len(orders)} order(s)",
            "label": label,
            "orders": orders,
            "form": form,
            "action_name": request.POST.get("action", ""),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
        status=400 if form.is_bound else 200,
    )


class OrderBulkActionsMixin:
    """Bulk actions of OrderAdmin (the `actions` it lists)."""

    admin_site: admin.AdminSite
    model: type[Order]
    message_user: Callable[..., None]

    # permission checks used by @admin.action(permissions=[...])
    def has_hold_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.hold_order")

    def has_release_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.release_order")

    def has_deliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.deliver_order")

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

    def _confirmed(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        effects: str,
        label: str,
        verb: str,
        service: Callable[..., object],
    ) -> HttpResponse | None:
        """Run `service` on each order once the confirmation page is confirmed."""
        return bulk_confirm(
            self,
            request,
            queryset,
            action=effects,
            label=label,
            apply=lambda orders, reason: self._apply(
                request,
                orders,
                verb,
                lambda o: service(order=o, actor=request.user, reason=reason),
            ),
        )

    @admin.action(description="Hold for review…", permissions=["hold"])
    def hold(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._confirmed(
            request,
            queryset,
            effects="hold",
            label="Hold for review",
            verb="Held",
            service=order_hold,
        )

    @admin.action(description="Release from hold…", permissions=["release"])
    def release(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._confirmed(
            request,
            queryset,
            effects="release",
            label="Release from hold",
            verb="Released",
            service=order_release,
        )

    @admin.action(
        description="Cancel (release stock, void/refund payment)…",
        permissions=["cancel"],
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._confirmed(
            request,
            queryset,
            effects="cancel",
            label="Cancel",
            verb="Cancelled",
            service=order_cancel,
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

    @admin.action(description="Mark delivered…", permissions=["deliver"])
    def mark_delivered(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._confirmed(
            request,
            queryset,
            effects="deliver",
            label="Mark delivered",
            verb="Delivered",
            service=order_mark_delivered,
        )

    @admin.action(description="Refund (full)…", permissions=["refund"])
    def refund(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._confirmed(
            request,
            queryset,
            effects="refund_full",
            label="Refund (full)",
            verb="Refunded",
            service=order_refund,
        )

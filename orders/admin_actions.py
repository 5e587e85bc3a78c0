"""Staff actions on an order, from its admin page and from the order list.

Every action goes through a confirmation page that says what will happen
(money, stock, emails), asks why (the reason goes into the timeline with who
and when), is gated by its own permission and calls a service; nothing here
changes a row itself. `OrderActionsMixin` plugs the pages into OrderAdmin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from notifications.exceptions import PermanentDeliveryError
from notifications.selectors import notification_log_for_order

from .exceptions import OrdersError
from .integrations.payments import GatewayError
from .models import Order
from .services import (
    order_cancel,
    order_mark_delivered,
    order_refund,
    order_release,
    refund_issue,
)
from .services.staff import order_notification_resend
from .staff_forms import ReasonForm, RefundForm, ResendForm
from .staff_selectors import order_action_effects, order_refundable, refund_effects

S = Order.Status
ACTION_ERRORS = (OrdersError, GatewayError, PermanentDeliveryError)


def _refund(order: Order, user: Any, data: dict[str, Any]) -> str:
    if data["mode"] == RefundForm.FULL:
        order_refund(order=order, actor=user, reason=data["reason"])
        return f"Order {order.number} refunded in full."
    refund = refund_issue(
        order=order,
        amount=data["amount"] if data["mode"] == RefundForm.AMOUNT else None,
        lines=data["lines"] if data["mode"] == RefundForm.LINES else None,
        restock=data["restock"],
        actor=user,
        reason=data["reason"],
    )
    return f"Refunded {refund.amount} {order.currency} of order {order.number}."


def _resend(order: Order, user: Any, data: dict[str, Any]) -> str:
    status = order_notification_resend(
        order=order, log_id=data["notification"], actor=user, reason=data["reason"]
    )
    return f"Notification sent again ({status})."


def _done(verb: str, service: Callable[..., Any]) -> Callable[..., str]:
    def perform(order: Order, user: Any, data: dict[str, Any]) -> str:
        service(order=order, actor=user, reason=data["reason"])
        return f"Order {order.number} {verb}."

    return perform


@dataclass(frozen=True)
class OrderAction:
    name: str
    label: str
    permission: str  # codename on orders.Order
    available: Callable[[Order], bool]
    perform: Callable[[Order, Any, dict[str, Any]], str]
    form_class: type[ReasonForm] = ReasonForm
    review: bool = False  # a second page with the effects of what was entered


ORDER_ACTIONS = {
    action.name: action
    for action in (
        OrderAction(
            "release",
            "Release hold",
            "release_order",
            lambda o: o.status == S.ON_HOLD,
            _done("released from hold", order_release),
        ),
        OrderAction(
            "cancel",
            "Cancel order",
            "cancel_order",
            lambda o: o.status in (S.PLACED, S.PROCESSING, S.ON_HOLD),
            _done("cancelled", order_cancel),
        ),
        OrderAction(
            "refund",
            "Refund",
            "refund_order",
            order_refundable,
            _refund,
            form_class=RefundForm,
            review=True,
        ),
        OrderAction(
            "deliver",
            "Mark delivered",
            "deliver_order",
            lambda o: o.status == S.SHIPPED,
            _done("marked delivered", order_mark_delivered),
        ),
        OrderAction(
            "resend",
            "Resend a notification",
            "resend_order_notification",
            lambda o: notification_log_for_order(order_number=o.number).exists(),
            _resend,
            form_class=ResendForm,
        ),
    )
}


def _form_kwargs(action: OrderAction, order: Order) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"order": order}
    if action.form_class is ResendForm:
        kwargs["choices"] = [
            (
                log.pk,
                f"{log.event_type} · {log.get_channel_display()} · {log.recipient}",
            )
            for log in notification_log_for_order(order_number=order.number)
        ]
    return kwargs


def _review_effects(order: Order, data: dict[str, Any]) -> list[str]:
    return refund_effects(
        order=order,
        mode=data["mode"],
        amount=data["amount"],
        lines=data["lines"],
        restock=data["restock"],
    )


class OrderActionsMixin:
    """Order page buttons and their confirmation pages (for OrderAdmin, whose
    change_form_template admin/orders/order/change_form.html shows them)."""

    admin_site: admin.AdminSite

    def get_urls(self) -> list:
        extra = [
            path(
                "<path:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.order_action_view),  # type: ignore[arg-type]
                name="orders_order_act",
            )
        ]
        return extra + super().get_urls()  # type: ignore[misc]

    def order_actions_for(self, request: HttpRequest, order: Order) -> list[dict]:
        return [
            {
                "name": action.name,
                "label": action.label,
                "url": reverse("admin:orders_order_act", args=[order.pk, action.name]),
            }
            for action in ORDER_ACTIONS.values()
            if request.user.has_perm(f"orders.{action.permission}")
            and action.available(order)
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        order = (
            Order.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        )
        context = dict(extra_context or {})
        if order is not None:
            context["order_actions"] = self.order_actions_for(request, order)
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]

    def _perform(
        self, request: HttpRequest, spec: OrderAction, order: Order, form: Any
    ) -> bool:
        """Run the action's service; False (and a form error) if it refused."""
        try:
            message = spec.perform(order, request.user, form.cleaned_data)
        except ACTION_ERRORS as exc:
            form.add_error(None, getattr(exc, "message", "") or str(exc))
            return False
        self.message_user(request, message, messages.SUCCESS)  # type: ignore[attr-defined]
        return True

    def order_action_view(
        self, request: HttpRequest, object_id: str, action: str
    ) -> HttpResponse:
        spec = ORDER_ACTIONS.get(action)
        order = (
            Order.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        )
        if spec is None or order is None:
            raise Http404("No such order or action.")
        if not request.user.has_perm(f"orders.{spec.permission}"):
            raise PermissionDenied
        back = reverse("admin:orders_order_change", args=[order.pk])
        if not spec.available(order):
            self.message_user(  # type: ignore[attr-defined]
                request,
                f"{spec.label}: not possible for this order now.",
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        posted = request.method == "POST"
        form = spec.form_class(
            request.POST if posted else None, **_form_kwargs(spec, order)
        )
        effects = order_action_effects(order=order, action=spec.name)
        reviewing = False
        if posted and form.is_valid():
            if spec.review and "confirm" not in request.POST:
                effects, reviewing = _review_effects(order, form.cleaned_data), True
            elif self._perform(request, spec, order, form):
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.label}: order {order.number}",
            "order": order,
            "action": spec,
            "form": form,
            "effects": effects,
            "reviewing": reviewing,
            "confirm_now": not spec.review or reviewing,
            "back_url": back,
            "opts": Order._meta,
        }
        status = 400 if posted and not form.is_valid() else 200
        return TemplateResponse(
            request, "admin/orders/order/action_confirm.html", context, status=status
        )

"""Returns in admin: the list staff work through, each step (approve,
reject, receive) confirmed on a page that says what will happen and why."""

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
from .models import ReturnLine, ReturnRequest
from .services.returns import return_approve, return_receive, return_reject
from .staff_forms import REASON_HELP
from .staff_selectors import return_effects


class ReturnStepForm(forms.Form):
    note = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP + " The shopper reads it in the email.",
    )
    restock = forms.BooleanField(
        required=False,
        initial=True,
        label="Put the returned units back on the shelf (when receiving)",
    )


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "order", "status", "created_at", "decided_by", "refund")
    list_filter = ("status",)
    search_fields = ("=order__number", "order__email")
    list_select_related = ("order", "decided_by", "refund")
    readonly_fields = (
        "order",
        "status",
        "reason",
        "staff_note",
        "decided_by",
        "decided_at",
        "received_at",
        "refund",
        "created_at",
    )
    inlines = (ReturnLineInline,)
    actions = ("approve", "reject", "receive")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # shoppers ask for returns from their order page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only page; steps are the actions

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.decide_returnrequest")

    def has_receive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.receive_returnrequest")

    def _step(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        step: str,
        run: Callable[[ReturnRequest, dict[str, Any]], object],
    ) -> HttpResponse | None:
        form = ReturnStepForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            for rma in queryset.order_by("pk"):
                try:
                    run(rma, form.cleaned_data)
                except (OrdersError, GatewayError) as exc:
                    text = getattr(exc, "message", "") or str(exc)
                    self.message_user(
                        request, f"Return {rma.pk}: {text}", messages.ERROR
                    )
                else:
                    self.message_user(
                        request, f"Return {rma.pk} {step}.", messages.SUCCESS
                    )
            return None
        returns = [
            (rma, return_effects(rma=rma, action=step))
            for rma in queryset.select_related("order").order_by("pk")
        ]
        return TemplateResponse(
            request,
            "admin/orders/returnrequest/step_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Return {step}: {len(returns)} return(s)",
                "step": step,
                "returns": returns,
                "form": form,
                "action_name": request.POST.get("action", ""),
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
            status=400 if form.is_bound else 200,
        )

    @admin.action(description="Approve…", permissions=["decide"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._step(
            request,
            queryset,
            "approved",
            lambda rma, d: return_approve(rma=rma, actor=request.user, note=d["note"]),
        )

    @admin.action(description="Reject…", permissions=["decide"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._step(
            request,
            queryset,
            "rejected",
            lambda rma, d: return_reject(rma=rma, actor=request.user, note=d["note"]),
        )

    @admin.action(
        description="Mark received (refund and restock)…", permissions=["receive"]
    )
    def receive(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._step(
            request,
            queryset,
            "received",
            lambda rma, d: return_receive(
                rma=rma, actor=request.user, note=d["note"], restock=d["restock"]
            ),
        )

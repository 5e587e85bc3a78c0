"""Staff's view of a customer (<admin>/dashboard/customers/<id>/): their orders
(signed in, and as a guest with the same email address), saved addresses,
lifetime value and staff notes. Reads go through the apps' selectors; a note is
added through dashboard.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from accounts.selectors import address_list_for_user
from orders.report_selectors import customer_value, order_list_for_staff_customer

from .models import CustomerNote
from .services import customer_note_add

VIEW_PERMISSIONS = ("accounts.view_user", "orders.view_order")
NOTE_PERMISSION = "dashboard.add_customernote"


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Add a note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@never_cache
def _customer(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.has_perms(VIEW_PERMISSIONS):
        raise PermissionDenied
    customer = get_object_or_404(get_user_model(), pk=user_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm(NOTE_PERMISSION):
            raise PermissionDenied
        if form.is_valid():
            customer_note_add(
                customer=customer, author=request.user, text=form.cleaned_data["text"]
            )
            messages.success(request, "Note added.")
            return redirect("admin-customer", user_id=customer.pk)
    context = {
        **admin.site.each_context(request),
        "title": f"Customer {customer.get_username()}",
        "customer": customer,
        "orders": order_list_for_staff_customer(user=customer),
        "value": customer_value(user=customer),
        "addresses": list(address_list_for_user(user=customer)),
        "notes": list(CustomerNote.objects.filter(customer=customer)[:100]),
        "form": form,
        "can_note": request.user.has_perm(NOTE_PERMISSION),
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "dashboard/customer.html", context, status=status)


customer_view = admin.site.admin_view(_customer)

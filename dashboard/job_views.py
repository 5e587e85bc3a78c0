"""Admin pages of staff jobs: start an export of a list, upload an import, follow a job.

Entry points only: they check permissions, then call dashboard/jobs.py.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from .jobs import export_start, import_start, job_download_url, job_progress
from .models import StaffJob

Kind = StaffJob.Kind
# what each export needs to see, and the admin list it comes from
EXPORTS = {
    "orders": (
        Kind.EXPORT_ORDERS,
        "orders.view_order",
        "admin:orders_order_changelist",
    ),
    "products": (
        Kind.EXPORT_PRODUCTS,
        "shop.view_product",
        "admin:shop_product_changelist",
    ),
}
IMPORT_PERMISSIONS = ("shop.add_product", "shop.change_product", "shop.add_variant")


def _context(request: HttpRequest, **extra: object) -> dict:
    return {**admin.site.each_context(request), **extra}


@never_cache
def _export(request: HttpRequest, what: str) -> HttpResponse:
    if what not in EXPORTS:
        raise Http404
    kind, permission, changelist = EXPORTS[what]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    query = request.GET.urlencode()
    if request.method == "POST":
        job = export_start(kind=kind, user=request.user, query=query)
        messages.success(request, f"Export #{job.pk} started: this page follows it.")
        return redirect("admin-staff-job", job_id=job.pk)
    return TemplateResponse(
        request,
        "dashboard/export_confirm.html",
        _context(
            request,
            title=f"Export {what} to CSV",
            what=what,
            query=query,
            changelist=changelist,
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row, the columns of the products export.",
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the valid rows and report the invalid ones",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choose a .csv file.")
        return upload


@never_cache
def _import(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perms(IMPORT_PERMISSIONS):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_start(
            user=request.user,
            upload=form.cleaned_data["file"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        messages.success(request, f"Import #{job.pk} started: this page follows it.")
        return redirect("admin-staff-job", job_id=job.pk)
    return TemplateResponse(
        request,
        "dashboard/import_form.html",
        _context(request, title="Import products from CSV", form=form),
    )


@never_cache
def _job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(StaffJob, pk=job_id)
    if job.created_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404  # someone else's job: not even its existence
    done, total = job_progress(job)
    return TemplateResponse(
        request,
        "dashboard/job.html",
        _context(
            request,
            title=f"{job.get_kind_display()} #{job.pk}",
            job=job,
            done=done,
            total=total,
            percent=(done * 100 // total) if total else None,
            download=job_download_url(job),
            running=job.status in (StaffJob.Status.QUEUED, StaffJob.Status.RUNNING),
        ),
    )


export_view = admin.site.admin_view(_export)
import_view = admin.site.admin_view(_import)
job_view = admin.site.admin_view(_job)

"""Mounted under the admin prefix (<admin>/dashboard/) by securecart/urls.py."""

from django.urls import path

from . import customers, documents, email_previews, job_views, reports, views

urlpatterns = [
    path("", views.dashboard_view, name="admin-dashboard"),
    path(
        "orders/<int:order_id>/documents/<str:kind>/",
        documents.order_document_view,
        name="admin-order-document",
    ),
    path("export/<str:what>/", job_views.export_view, name="admin-export"),
    path("import/products/", job_views.import_view, name="admin-import-products"),
    path("jobs/<int:job_id>/", job_views.job_view, name="admin-staff-job"),
    path("sales/", reports.sales_view, name="admin-sales-report"),
    path("customers/<int:user_id>/", customers.customer_view, name="admin-customer"),
    path("emails/", email_previews.previews_view, name="admin-email-previews"),
    path(
        "emails/<str:event_type>/",
        email_previews.previews_view,
        name="admin-email-preview",
    ),
    path(
        "emails/<str:event_type>/html/",
        email_previews.preview_html_view,
        name="admin-email-preview-html",
    ),
]

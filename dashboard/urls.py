"""Mounted under the admin prefix (<admin>/dashboard/) by securecart/urls.py."""

from django.urls import path

from . import documents, views

urlpatterns = [
    path("", views.dashboard_view, name="admin-dashboard"),
    path(
        "orders/<int:order_id>/documents/<str:kind>/",
        documents.order_document_view,
        name="admin-order-document",
    ),
]

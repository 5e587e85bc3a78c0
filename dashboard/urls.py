"""Mounted under the admin prefix (<admin>/dashboard/) by securecart/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard_view, name="admin-dashboard"),
]

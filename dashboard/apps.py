from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The staff operations dashboard: reads every app through its selectors."""

    name = "dashboard"
    verbose_name = "Operations dashboard"

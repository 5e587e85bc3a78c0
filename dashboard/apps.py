from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The staff operations dashboard: reads every app through its selectors."""

    name = "dashboard"
    verbose_name = "Operations dashboard"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the staff-job task by name)

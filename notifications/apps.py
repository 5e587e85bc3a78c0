from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from . import health, tasks  # noqa: F401  (tasks: registers the Celery tasks)

        # Queues, doctor rows, the outbox lag gauge and the business counters.
        health.contributions_register()

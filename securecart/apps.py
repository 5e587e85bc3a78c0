"""The project itself as an app: observability hooks and operator commands.

Apps contribute checks, queues and gauges through securecart/registry.py.
"""

from django.apps import AppConfig


class SecureCartConfig(AppConfig):
    name = "securecart"
    verbose_name = "SecureCart operations"

    def ready(self) -> None:
        from celery import signals as celery_signals

        from . import tracing
        from .observability import signals

        signals.connect()
        if tracing.configure():
            # Spans still buffered when a worker exits would be lost.
            celery_signals.worker_process_shutdown.connect(
                lambda **kwargs: tracing.shutdown(), weak=False
            )
            celery_signals.worker_shutdown.connect(
                lambda **kwargs: tracing.shutdown(), weak=False
            )

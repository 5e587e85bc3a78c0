from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from accounts.signals import email_verified
        from securecart.observability import metrics
        from securecart.registry import (
            register_doctor_check,
            register_failure_counter,
            register_queues,
        )

        from . import tasks  # noqa: F401  (registers the workflow tasks by name)
        from .groups import order_managers_group_ensure
        from .integrations import stepfunctions
        from .models import Payment

        # After this app's permissions exist (auth's post_migrate runs first).
        post_migrate.connect(
            order_managers_group_ensure,
            sender=self,
            dispatch_uid="orders.order_managers_group",
        )
        # A payment turning `failed` counts as a decline (after commit).
        register_failure_counter(
            model=Payment, on_failed=lambda payment: metrics.PAYMENT_DECLINES.record()
        )
        # FULFILMENT_ENGINE=stepfunctions: the steps queue (depth, DLQ) on
        # /metrics and doctor, and a doctor row for the state machine.
        register_queues(owner="orders", names=stepfunctions.steps_queues)
        register_doctor_check(
            name="stepfunctions:fulfilment",
            check=stepfunctions.state_machine_check,
            skip_reason=stepfunctions.state_machine_skip_reason,
        )
        # Guest orders placed with an address join the account that verifies it.
        email_verified.connect(
            _attach_guest_orders, dispatch_uid="orders.attach_guest_orders"
        )


def _attach_guest_orders(sender, user, **kwargs) -> None:
    from .services import orders_attach_guest

    orders_attach_guest(user=user)

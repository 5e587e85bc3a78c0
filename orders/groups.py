"""The "Order managers" staff group and exactly the rights it carries."""

from __future__ import annotations

from typing import Any

ORDER_MANAGERS = "Order managers"
ORDER_MANAGER_PERMISSIONS = frozenset(
    {
        # see orders, their lines, payments and timeline
        "view_order",
        "view_orderline",
        "view_orderevent",
        "view_payment",
        "view_paymenttransaction",
        # the admin actions
        "hold_order",
        "cancel_order",
        "ship_order",
        "refund_order",
        # the order page's actions (each confirmed, reason in the timeline)
        "release_order",
        "deliver_order",
        "resend_order_notification",
        "view_refund",
        "view_refundline",
        # returns: see them, approve/reject, receive (which refunds)
        "view_returnrequest",
        "view_returnline",
        "decide_returnrequest",
        "receive_returnrequest",
    }
)


def order_managers_group_ensure(**kwargs: Any) -> None:
    """Create or repair the group so it has exactly ORDER_MANAGER_PERMISSIONS
    (post_migrate handler; safe to run any number of times)."""
    from django.contrib.auth.models import Group, Permission

    permissions = Permission.objects.filter(
        content_type__app_label="orders", codename__in=ORDER_MANAGER_PERMISSIONS
    )
    if permissions.count() != len(ORDER_MANAGER_PERMISSIONS):
        return  # permissions not created yet (first migrate of a partial app set)
    from securecart.models import operations_permission

    group, _ = Group.objects.get_or_create(name=ORDER_MANAGERS)
    # and the operations dashboard (revenue, fraud holds, queues)
    group.permissions.set([*permissions, operations_permission()])

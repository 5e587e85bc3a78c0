"""Writes of the orders domain (re-exported; see the sub-modules)."""

from .checkout import (
    Address,
    CheckoutOutcome,
    CheckoutUnavailable,
    checkout_submit,
    order_place,
    payment_void_orphaned,
)
from .orders import (
    order_cancel,
    order_hold,
    order_mark_delivered,
    order_mark_shipped,
    order_refund,
    order_release,
    payment_settle_after_cancel,
)
from .payments import (
    payment_authorise,
    payment_capture,
    payment_void,
    payment_void_payment,
)
from .refunds import payment_refund, refund_complete, refund_issue
from .self_service import (
    ReorderOutcome,
    order_cancel_by_customer,
    order_lookup_email_send,
    order_reorder,
    orders_attach_guest,
)

__all__ = [
    "Address",
    "CheckoutOutcome",
    "CheckoutUnavailable",
    "checkout_submit",
    "ReorderOutcome",
    "order_cancel",
    "order_cancel_by_customer",
    "order_lookup_email_send",
    "order_reorder",
    "orders_attach_guest",
    "order_hold",
    "order_mark_delivered",
    "order_mark_shipped",
    "order_place",
    "order_refund",
    "order_release",
    "payment_authorise",
    "payment_capture",
    "payment_refund",
    "payment_settle_after_cancel",
    "payment_void",
    "payment_void_orphaned",
    "payment_void_payment",
    "refund_complete",
    "refund_issue",
]

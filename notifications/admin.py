"""Staff views of the outbox, notifications and failed channel messages.

Orders admin shows an order's notifications with `notification_history`
(a read-only table + link to the filtered NotificationLog list):

    from notifications.admin import notification_history

    @admin.display(description="Notifications")
    def notifications(self, obj):
        return notification_history(obj.number)
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .exceptions import PermanentDeliveryError
from .models import FailedMessage, NotificationLog, OutboxEvent
from .selectors import notification_log_for_order
from .services import notification_resend, outbox_publish


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system only: staff look, and act through actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def notification_history(order_number: str) -> SafeString:
    """Return an HTML table of an order's notifications, for the order page."""
    logs = list(notification_log_for_order(order_number=order_number))
    url = reverse("admin:notifications_notificationlog_changelist")
    link = format_html(
        '<a href="{}?order_number={}">Open in notification log (resend there)</a>',
        url,
        order_number,
    )
    if not logs:
        return format_html("<p>No notifications yet.</p>{}", link)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                log.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                log.get_channel_display(),
                log.event_type,
                log.recipient,
                log.get_status_display(),
                log.sent_at.strftime("%Y-%m-%d %H:%M:%S")
                if log.sent_at
                else log.error[:120],
            )
            for log in logs
        ),
    )
    return format_html(
        "<table><thead><tr><th>When</th><th>Channel</th><th>Event</th><th>To</th>"
        "<th>Status</th><th>Sent at / error</th></tr></thead><tbody>{}</tbody></table>{}",
        rows,
        link,
    )


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "order_number",
        "event_type",
        "channel",
        "recipient",
        "status",
        "sent_at",
        "attempts",
        "resend_count",
    )
    list_filter = ("channel", "status", "event_type")
    search_fields = ("=order_number", "recipient", "=event_id")
    date_hierarchy = "created_at"
    actions = ("resend",)

    @admin.action(
        description="Resend the selected notifications (deliberately)",
        permissions=["resend"],
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[NotificationLog]) -> None:
        if queryset.count() > 20:
            self.message_user(
                request,
                "Select at most 20 notifications to resend at once.",
                messages.ERROR,
            )
            return
        for log in queryset:
            try:
                log = notification_resend(log=log)
            except PermanentDeliveryError as exc:
                self.message_user(request, f"{log}: {exc}", messages.ERROR)
                continue
            level = (
                messages.SUCCESS if log.status == log.Status.SENT else messages.WARNING
            )
            self.message_user(request, f"Resent {log}", level)

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_notificationlog")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "type",
        "order_number",
        "published_at",
        "publish_attempts",
    )
    list_filter = ("type", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("=order_number", "=id")
    date_hierarchy = "occurred_at"
    actions = ("publish_now",)

    @admin.action(
        description="Publish the selected unpublished events now",
        permissions=["publish_now"],
    )
    def publish_now(
        self, request: HttpRequest, queryset: QuerySet[OutboxEvent]
    ) -> None:
        result = outbox_publish(
            event_ids=[str(pk) for pk in queryset.values_list("pk", flat=True)]
        )
        self.message_user(
            request, f"Published {len(result.published)}, failed {len(result.failed)}."
        )

    def has_publish_now_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_outboxevent")


@admin.register(FailedMessage)
class FailedMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "last_seen_at",
        "channel",
        "message_id",
        "receive_count",
        "dead_lettered",
        "error",
    )
    list_filter = ("channel", "dead_lettered")
    search_fields = ("=message_id", "body")

"""Find orders stuck in placed/processing too long and re-drive their workflow.

Every fulfilment step is idempotent, so re-driving enqueues the whole chain and
the steps already done return at once. Cancelled orders whose money is still
held (a void or refund that gave up) get their payment release enqueued again.
Exit status: 0 when everything found was re-driven (or on --dry-run), 1 when
something could not be enqueued.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from orders.services.fulfilment import (
    orders_reconcile,
    orders_stuck,
    orders_unreleased_payments,
)


class Command(BaseCommand):
    help = (
        "Re-drive the fulfilment of orders stuck in placed/processing for longer than "
        "--minutes (default STUCK_ORDER_MINUTES); --dry-run only lists them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=None)
        parser.add_argument("--limit", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["minutes"]
        if minutes is None:
            minutes = settings.STUCK_ORDER_MINUTES
        if minutes < 0:
            raise CommandError("--minutes must be 0 or more.")
        limit = options["limit"]
        now = timezone.now()
        stuck = list(
            orders_stuck(minutes=minutes).values_list(
                "number", "status", "status_changed_at"
            )[:limit]
        )
        unreleased = list(
            orders_unreleased_payments().values_list("number", "payment__status")[
                :limit
            ]
        )
        for number, status, since in stuck:
            age = int((now - since).total_seconds() // 60)
            self.stdout.write(
                f"{number}  {status:<10}  since {since:%Y-%m-%d %H:%M} UTC ({age} min)"
            )
        for number, payment_status in unreleased:
            self.stdout.write(f"{number}  cancelled   payment still {payment_status}")
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: {len(stuck)} orders stuck for more than {minutes} min, "
                f"{len(unreleased)} cancelled with money held; nothing enqueued."
            )
            return
        counts = orders_reconcile(minutes=minutes, limit=limit)
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-drove {counts['redriven']} stuck orders; re-enqueued "
                f"{counts['payments']} payment releases."
            )
        )
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} could not be enqueued (see the log)."
            )

"""Report the outbox backlog; exit 1 when the oldest unpublished event is too old."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.selectors import outbox_stats


class Command(BaseCommand):
    help = "Unpublished outbox events, the oldest one's age and the latest errors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-lag-seconds",
            type=float,
            default=settings.OUTBOX_MAX_LAG_SECONDS,
            help="fail (exit 1) when the oldest unpublished event is older",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        stats = outbox_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, default=str))
        else:
            self.stdout.write(
                f"unpublished={stats['unpublished']} failing={stats['failing']} "
                f"oldest_age_seconds={stats['oldest_age_seconds']:.1f}"
            )
            for error in stats["last_errors"]:
                self.stdout.write(
                    f"  {error['id']} {error['type']} {error['order_number']} "
                    f"attempts={error['publish_attempts']}: {error['last_error'][:200]}"
                )
        if (
            stats["unpublished"]
            and stats["oldest_age_seconds"] > options["max_lag_seconds"]
        ):
            raise CommandError(
                f"outbox lag {stats['oldest_age_seconds']:.0f}s exceeds "
                f"{options['max_lag_seconds']:.0f}s",
                returncode=1,
            )

"""Delete published outbox events older than --days (default 30)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications.services import outbox_prune


class Command(BaseCommand):
    help = "Delete published outbox events older than --days; unpublished ones stay."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = outbox_prune(older_than=timedelta(days=options["days"]))
        self.stdout.write(f"deleted={deleted}")

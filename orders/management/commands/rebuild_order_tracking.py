"""Rebuild the order tracking projection from the database.

`manage.py rebuild_order_tracking [--after NUMBER] [--batch-size N] [--ensure-table]`
writes every order (by number) with BatchWriteItem and prints progress after each
batch; an interrupted run resumes with `--after` the last number printed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.services.tracking import (
    RebuildProgress,
    order_tracking_rebuild,
    order_tracking_rebuild_total,
)
from orders.tracking_table import ensure_table, table_name


class Command(BaseCommand):
    help = "Write every order from the database into the DynamoDB tracking table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--after", default="", help="resume after this order number"
        )
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument(
            "--ensure-table",
            action="store_true",
            help="create the table first if missing (moto; Terraform in AWS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ensure_table"]:
            self.stdout.write(f"table {ensure_table()} ready")
        after = options["after"].upper()
        total = order_tracking_rebuild_total(after=after)

        def report(progress: RebuildProgress) -> None:
            done = progress.written + progress.skipped
            percent = 100 * done // total if total else 100
            bar = "#" * (percent // 5)
            self.stdout.write(
                f"[{bar:<20}] {done}/{total} written={progress.written} "
                f"skipped={progress.skipped} last={progress.last_number}"
            )
            self.stdout.flush()

        progress = order_tracking_rebuild(
            after=after, batch_size=options["batch_size"], report=report
        )
        self.stdout.write(
            f"rebuilt {table_name()}: written={progress.written} "
            f"skipped={progress.skipped} last={progress.last_number or '-'}"
        )

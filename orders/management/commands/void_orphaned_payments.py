"""Void card authorisations whose checkout never produced an order."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from orders.services import payment_void_orphaned


class Command(BaseCommand):
    help = (
        "Void authorisations left without an order by a crashed or abandoned "
        "checkout (safe to run any time; run it periodically)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=15,
            help="Only authorisations older than this (default 15).",
        )

    def handle(self, *args: object, **options: int) -> None:
        count = payment_void_orphaned(
            older_than=timedelta(minutes=options["older_than_minutes"])
        )
        self.stdout.write(f"Voided {count} orphaned authorisation(s).")

"""Import or update products and variants from a CSV file (by SKU)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shop.importing import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileError,
    ImportRowError,
    products_import,
)


class Command(BaseCommand):
    help = (
        "Create or update products/variants by SKU from a CSV file. Every row is "
        "validated first; on any error nothing is imported unless --skip-invalid. "
        f"Columns: {', '.join(REQUIRED_COLUMNS)} (required); "
        f"{', '.join(OPTIONAL_COLUMNS)} (optional)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="path to a UTF-8 CSV file with a header row")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=500,
            help="rows between progress lines",
        )

    def handle(self, *args, **options) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"imported {done}/{total} rows ({done * 100 // total}%)")

        try:
            with open(options["file"], newline="", encoding="utf-8-sig") as handle:
                report = products_import(
                    handle=handle,
                    skip_invalid=options["skip_invalid"],
                    progress=progress,
                    progress_every=max(1, options["progress_every"]),
                )
        except FileNotFoundError as error:
            raise CommandError(
                f"cannot open {options['file']}: {error.strerror}"
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError("the file is not UTF-8 text") from error
        except (ImportFileError, ImportRowError) as error:
            raise CommandError(f"nothing imported: {error}") from error
        for line in report.errors:
            self.stderr.write(line)
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                f"nothing imported: {len(report.errors)} error(s) in the file "
                "(fix them, or pass --skip-invalid to import the valid rows)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.created + report.updated} row(s): {report.created} "
                f"created, {report.updated} updated, {report.skipped} invalid row(s) "
                "skipped."
            )
        )

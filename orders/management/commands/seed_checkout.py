"""Create the demo shipping methods and tax rates (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand

from orders.models import ShippingMethod, TaxRate

METHODS = [
    ("standard", "Standard", "3–5 working days", Decimal("5.00"), Decimal("50.00"), 0),
    ("express", "Express", "Next working day", Decimal("15.00"), None, 1),
]
TAX_RATES = [
    ("DE", "VAT", Decimal("0.1900")),
    ("FR", "TVA", Decimal("0.2000")),
    ("GB", "VAT", Decimal("0.2000")),
]


class Command(BaseCommand):
    help = "Create demo shipping methods and tax rates (existing rows are kept)."

    def handle(self, *args: object, **options: object) -> None:
        for code, name, description, price, free_over, position in METHODS:
            ShippingMethod.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "description": description,
                    "price": price,
                    "free_over": free_over,
                    "position": position,
                },
            )
        for country, name, rate in TAX_RATES:
            TaxRate.objects.get_or_create(
                country=country, defaults={"name": name, "rate": rate}
            )
        self.stdout.write(
            f"{ShippingMethod.objects.count()} shipping methods, "
            f"{TaxRate.objects.count()} tax rates."
        )

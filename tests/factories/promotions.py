"""factory_boy factories for vouchers and sales."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from promotions.models import Sale, Voucher


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.LazyFunction(lambda: f"SAVE{uuid.uuid4().hex[:8].upper()}")
    kind = "percentage"
    value = Decimal("10.00")
    is_active = True


class SaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sale
        skip_postgeneration_save = True

    name = "Summer sale"
    kind = "percentage"
    value = Decimal("20.00")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))

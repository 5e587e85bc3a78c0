"""Operator commands of checkout: demo data and the orphaned-authorisation sweep."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Payment, ShippingMethod, TaxRate
from orders.services import payment_authorise

pytestmark = pytest.mark.django_db


def test_seed_checkout_is_idempotent():
    call_command("seed_checkout")
    call_command("seed_checkout")
    assert set(ShippingMethod.objects.values_list("code", flat=True)) == {
        "standard",
        "express",
    }
    assert TaxRate.objects.get(country="DE").rate == Decimal("0.1900")


def test_void_orphaned_payments_voids_only_old_authorisations_without_order():
    def authorised(key, age):
        payment = Payment.objects.create(
            gateway="test", amount=Decimal("9.00"), authorise_key=key
        )
        payment_authorise(payment=payment, token="tok_visa")
        Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - age)
        return payment

    old = authorised("old", timedelta(hours=1))
    recent = authorised("recent", timedelta(minutes=1))

    call_command("void_orphaned_payments")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "voided" and recent.status == "authorised"
    assert old.transactions.filter(kind="void", succeeded=True).count() == 1


def test_orphan_sweep_closes_the_abandoned_checkout_so_a_retry_cannot_use_the_payment(
    client, no_fulfilment
):
    import json

    from orders.models import CheckoutIdempotencyKey, Order
    from orders.services import checkout as checkout_module
    from tests.factories.orders import (
        CatalogVariantFactory,
        ShippingMethodFactory,
        cart_with,
        checkout_payload,
    )

    ShippingMethodFactory()
    payload = checkout_payload(cart_with([(CatalogVariantFactory(), 1)]))

    def post():
        return client.post(
            "/api/v1/checkout/",
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Idempotency-Key": "abandoned"},
        )

    real = checkout_module.order_place
    checkout_module.order_place = lambda **kw: (_ for _ in ()).throw(
        SystemExit("crash")
    )
    try:
        with pytest.raises(SystemExit):
            post()
    finally:
        checkout_module.order_place = real
    long_ago = timezone.now() - timedelta(hours=1)
    CheckoutIdempotencyKey.objects.update(updated_at=long_ago)
    Payment.objects.update(updated_at=long_ago)

    call_command("void_orphaned_payments")
    response = post()

    assert Payment.objects.get().status == "voided"
    assert (
        response.status_code == 409 and response.json()["code"] == "checkout_abandoned"
    )
    assert Order.objects.count() == 0


def test_beat_voids_orphaned_authorisations_periodically(settings):
    # given beat's schedule entry and an authorisation a crashed checkout left behind
    entry = settings.CELERY_BEAT_SCHEDULE["void-orphaned-payments"]
    payment = Payment.objects.create(
        gateway="test", amount=Decimal("9.00"), authorise_key="k"
    )
    payment_authorise(payment=payment, token="tok_visa")
    Payment.objects.filter(pk=payment.pk).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )
    # when beat's task runs
    from securecart.celery import app

    app.loader.import_default_modules()  # what a worker does at start
    voided = app.tasks[entry["task"]].apply().result
    # then the orphan is voided
    payment.refresh_from_db()
    assert voided == 1 and payment.status == "voided"

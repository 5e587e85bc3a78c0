"""The two one-off commands of the deploy path: first staff user, reference data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from securecart.aws import client


def run(*args: str, **options) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- ensure_staff_user (Secrets Manager on moto) ---------------------------------------


@pytest.fixture
def staff_secret(aws):
    sm = client("secretsmanager")
    arn = sm.create_secret(
        Name="securecart-test/staff-user",
        SecretString=json.dumps({"email": "Ops@Example.com", "password": "first-Pass-2026-long"}),
    )["ARN"]
    return sm, arn


@pytest.mark.aws
@pytest.mark.django_db
def test_ensure_staff_user_creates_then_changes_nothing_on_rerun(staff_secret):
    sm, arn = staff_secret
    assert "created" in run("ensure_staff_user", "--secret-id", arn)
    assert "unchanged" in run("ensure_staff_user", "--secret-id", arn)
    users = get_user_model().objects.filter(email__iexact="ops@example.com")
    assert users.count() == 1
    user = users.get()
    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password("first-Pass-2026-long")


@pytest.mark.aws
@pytest.mark.django_db
def test_ensure_staff_user_updates_password_and_flags_from_the_secret(staff_secret, monkeypatch):
    sm, arn = staff_secret
    run("ensure_staff_user", "--secret-id", arn)
    user = get_user_model().objects.get(email__iexact="ops@example.com")
    user.is_staff = False
    user.save()
    sm.put_secret_value(
        SecretId=arn,
        SecretString=json.dumps({"email": "ops@example.com", "password": "second-Pass-2026-long", "superuser": False}),
    )
    # The secret id may come from the task environment instead of the argument.
    monkeypatch.setenv("STAFF_USER_SECRET_ID", arn)
    assert "updated" in run("ensure_staff_user")
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert user.check_password("second-Pass-2026-long")
    assert get_user_model().objects.count() == 1


@pytest.mark.aws
@pytest.mark.django_db
def test_ensure_staff_user_refuses_bad_secrets(aws):
    sm = client("secretsmanager")
    weak = sm.create_secret(Name="weak", SecretString=json.dumps({"email": "a@example.com", "password": "123"}))["ARN"]
    partial = sm.create_secret(Name="partial", SecretString=json.dumps({"email": "a@example.com"}))["ARN"]
    with pytest.raises(CommandError, match="Password rejected"):
        run("ensure_staff_user", "--secret-id", weak)
    with pytest.raises(CommandError, match="needs"):
        run("ensure_staff_user", "--secret-id", partial)
    with pytest.raises(CommandError, match="Cannot read secret"):
        run("ensure_staff_user", "--secret-id", "missing")
    assert not get_user_model().objects.exists()


# --- load_reference_data (test database) -------------------------------------------------

REFERENCE = {
    "shipping_methods": [
        {"code": "standard", "name": "Standard", "price": "4.90", "free_over": "50.00", "position": 0},
        {"code": "express", "name": "Express", "price": "12.90", "position": 1},
    ],
    "tax_rates": [{"country": "de", "name": "VAT", "rate": "0.1900"}, {"country": "FR", "name": "TVA", "rate": "0.2"}],
}


@pytest.mark.django_db
def test_load_reference_data_is_idempotent(tmp_path):
    from orders.models import ShippingMethod, TaxRate

    path = tmp_path / "reference.json"
    path.write_text(json.dumps(REFERENCE))
    assert "4 created, 0 updated, 0 unchanged" in run("load_reference_data", str(path))
    assert "0 created, 0 updated, 4 unchanged" in run("load_reference_data", str(path))
    assert ShippingMethod.objects.count() == 2 and TaxRate.objects.count() == 2
    assert TaxRate.objects.get(country="DE").rate == Decimal("0.1900")
    assert ShippingMethod.objects.get(code="standard").free_over == Decimal("50.00")


@pytest.mark.django_db
def test_load_reference_data_updates_rows_in_place_from_inline_json():
    from orders.models import TaxRate

    run("load_reference_data", "--data", json.dumps(REFERENCE))
    changed = {"tax_rates": [{"country": "DE", "name": "MwSt", "rate": "0.07"}]}
    assert "1 updated" in run("load_reference_data", "--data", json.dumps(changed))
    rate = TaxRate.objects.get(country="DE")
    assert (rate.name, rate.rate) == ("MwSt", Decimal("0.0700"))


@pytest.mark.django_db
def test_load_reference_data_writes_nothing_when_a_row_is_invalid():
    from orders.models import ShippingMethod, TaxRate

    bad = {
        "shipping_methods": [{"code": "standard", "name": "Standard", "price": "4.90"}],
        "tax_rates": [{"country": "DE", "rate": "1.5"}],
    }
    with pytest.raises(CommandError, match=r"tax_rates\[0\]"):
        run("load_reference_data", "--data", json.dumps(bad))
    assert not ShippingMethod.objects.exists() and not TaxRate.objects.exists()
    with pytest.raises(CommandError, match="unknown field"):
        run("load_reference_data", "--data", json.dumps({"tax_rates": [{"country": "DE", "rate": "0.1", "vat": 1}]}))

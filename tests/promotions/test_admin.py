"""Admin: vouchers with usage and revenue, deactivation, 1,000 generated codes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from promotions.models import Voucher, VoucherBatch, VoucherRedemption
from tests.factories.orders import user_create
from tests.factories.promotions import SaleFactory, VoucherFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def staff(client):
    user = user_create(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_voucher_list_shows_usage_and_revenue(client, staff):
    voucher = VoucherFactory(code="SHOWME", usage_limit=5, used_count=2)
    for number, total in (("SC-AAAAAAA1", "30.00"), ("SC-AAAAAAA2", "12.50")):
        VoucherRedemption.objects.create(
            voucher=voucher,
            order_number=number,
            email="a@example.com",
            discount=Decimal("3.00"),
            order_total=Decimal(total),
            currency="USD",
        )
    body = client.get("/admin/promotions/voucher/").content.decode()
    assert "SHOWME" in body and "2 / 5" in body and "42.50 (6.00)" in body
    SaleFactory(name="Spring")
    assert "running" in client.get("/admin/promotions/sale/").content.decode()


def test_deactivate_action_takes_effect_at_once(client, staff):
    voucher = VoucherFactory(code="OFFNOW")
    response = client.post(
        "/admin/promotions/voucher/",
        {"action": "deactivate", "_selected_action": [voucher.pk]},
    )
    assert response.status_code == 302
    assert Voucher.objects.get(pk=voucher.pk).is_active is False


def test_editing_a_voucher_never_writes_back_a_stale_use_count(client, staff):
    voucher = VoucherFactory(code="EDITME", usage_limit=10)
    form = client.get(f"/admin/promotions/voucher/{voucher.pk}/change/")
    assert form.status_code == 200
    Voucher.objects.filter(pk=voucher.pk).update(used_count=4)  # checkout meanwhile
    response = client.post(
        f"/admin/promotions/voucher/{voucher.pk}/change/",
        {
            "code": "EDITME",
            "name": "renamed",
            "kind": "percentage",
            "value": "10.00",
            "usage_limit": "10",
            "is_active": "on",
            "redemptions-TOTAL_FORMS": "0",
            "redemptions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    voucher.refresh_from_db()
    assert (voucher.name, voucher.used_count) == ("renamed", 4)


def test_generating_1000_single_use_codes_in_the_background_with_a_csv(
    client, staff, django_capture_on_commit_callbacks
):
    template = VoucherFactory(code="BFTEMPLATE", kind="fixed", value=Decimal("5"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/promotions/voucherbatch/add/",
            {"template": template.pk, "count": "1000", "prefix": "BF"},
        )
    assert response.status_code == 302
    batch = VoucherBatch.objects.get()
    assert batch.status == "done"
    codes = list(batch.vouchers.values_list("code", "usage_limit", "kind", "value"))
    assert len(codes) == 1000 == len({code for code, *_ in codes})
    assert all(code.startswith("BF") and len(code) == 12 for code, *_ in codes)
    assert {tuple(rest) for _, *rest in codes} == {(1, "fixed", Decimal("5.00"))}
    download = client.get(f"/admin/promotions/voucherbatch/{batch.pk}/csv/")
    assert download["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert sorted(row["code"] for row in rows) == sorted(c for c, *_ in codes)

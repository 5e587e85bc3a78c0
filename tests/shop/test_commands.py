from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from shop.models import Category, Product, ProductImage, Variant
from tests.factories.shop import CategoryFactory, VariantFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "sku,product_slug,product_name,category,price,stock_on_hand,variant_name,options\n"
)


def _run(name, *args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_seed_demo_builds_a_realistic_catalog_once_and_prints_the_staff_login(
    monkeypatch,
):
    monkeypatch.setenv("DEMO_STAFF_PASSWORD", "demo-pass-for-test")
    out, _ = _run("seed_demo")
    assert "username 'staff', password 'demo-pass-for-test'" in out
    assert Category.objects.count() >= 5
    assert Product.objects.count() >= 60
    assert Variant.objects.count() > Product.objects.count()
    assert Variant.objects.filter(stock_on_hand=0).exists()  # shows "out of stock"
    assert Product.objects.filter(is_featured=True).exists()
    image = ProductImage.objects.first()
    with image.image.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    staff = get_user_model().objects.get(username="staff")
    assert staff.is_superuser and staff.check_password("demo-pass-for-test")

    counts = (
        Product.objects.count(),
        Variant.objects.count(),
        ProductImage.objects.count(),
    )
    out, _ = _run("seed_demo")
    assert "username 'staff'" in out and "already existed" in out
    assert counts == (
        Product.objects.count(),
        Variant.objects.count(),
        ProductImage.objects.count(),
    )
    assert get_user_model().objects.filter(username="staff").count() == 1


def test_import_creates_and_updates_by_sku(tmp_path):
    CategoryFactory(slug="kitchen")
    VariantFactory(sku="MUG-RED", price=Decimal("1.00"), stock_on_hand=1)
    path = tmp_path / "products.csv"
    path.write_text(
        HEADER
        + "MUG-RED,enamel-mug,Enamel Mug,kitchen,12.00,40,Red,colour=Red\n"
        + "MUG-BLU,enamel-mug,Enamel Mug,kitchen,11.00,30,Blue,colour=Blue\n"
    )
    out, err = _run("import_products", str(path), progress_every=1)
    assert "imported 2/2 rows (100%)" in out
    assert "1 created, 1 updated" in out and err == ""
    red = Variant.objects.get(sku="MUG-RED")
    assert (red.price, red.stock_on_hand, red.options) == (
        Decimal("12.00"),
        40,
        {"colour": "Red"},
    )
    assert red.product.slug == "enamel-mug"
    assert Product.objects.get(slug="enamel-mug").price == Decimal("11.00")


def test_import_reports_row_numbered_errors_and_imports_nothing(tmp_path):
    CategoryFactory(slug="kitchen")
    path = tmp_path / "products.csv"
    path.write_text(
        HEADER
        + "OK-1,ok-thing,OK Thing,kitchen,5.00,3,,\n"
        + "BAD-1,bad thing,Bad,nowhere,abc,-2,,\n"
        + "OK-1,ok-thing,OK Thing,kitchen,5.001,3,,\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported: 6 error"):
        call_command("import_products", str(path), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert (
        "row 3: product_slug: 'bad thing' is not a slug (letters, digits, -, _)"
        in lines
    )
    assert "row 3: category: no category with slug 'nowhere'" in lines
    assert "row 3: price: 'abc' is not an amount like 12.50" in lines
    assert "row 3: stock_on_hand: '-2' is not a whole number ≥ 0" in lines
    assert "row 4: sku: 'OK-1' already on row 2" in lines
    assert "row 4: price: '5.001' is not an amount like 12.50" in lines
    assert not Variant.objects.exists() and not Product.objects.exists()


def test_import_skip_invalid_imports_only_the_valid_rows(tmp_path):
    CategoryFactory(slug="kitchen")
    path = tmp_path / "products.csv"
    path.write_text(
        HEADER + "OK-1,ok-thing,OK Thing,kitchen,5.00,3,,\nBAD-1,bad,Bad,kitchen,,1,,\n"
    )
    out, err = _run("import_products", str(path), skip_invalid=True)
    assert "row 3: price: required" in err
    assert "1 created, 0 updated, 1 invalid row(s) skipped" in out
    assert list(Variant.objects.values_list("sku", flat=True)) == ["OK-1"]


def test_import_refuses_a_file_without_the_required_columns(tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("sku,name\nA,B\n")
    with pytest.raises(CommandError, match="missing column"):
        _run("import_products", str(path))
    with pytest.raises(CommandError, match="cannot open"):
        _run("import_products", str(tmp_path / "missing.csv"))


def test_import_that_would_undercut_reserved_stock_rolls_back_everything(tmp_path):
    CategoryFactory(slug="kitchen")
    VariantFactory(sku="HELD", stock_on_hand=5, stock_reserved=4)
    path = tmp_path / "products.csv"
    path.write_text(
        HEADER
        + "NEW-1,new-thing,New Thing,kitchen,5.00,3,,\n"
        + "HELD,held-thing,Held,kitchen,5.00,2,,\n"
    )
    with pytest.raises(CommandError, match="row 3: stock_on_hand 2 is below the 4"):
        _run("import_products", str(path))
    assert not Variant.objects.filter(sku="NEW-1").exists()
    assert Variant.objects.get(sku="HELD").stock_on_hand == 5

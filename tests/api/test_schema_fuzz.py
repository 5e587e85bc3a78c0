"""Fuzz the REST API from its own OpenAPI schema with schemathesis, on a running server.

Bounded (a handful of examples per operation) so it fits CI; every response must be a
non-5xx that conforms to the schema (status code, content type, headers, body).
"""

import subprocess
import sys

import pytest

from tests.factories.shop import ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture
def catalog():
    for index in range(3):
        variant = VariantFactory(stock_on_hand=5)
        ProductImageFactory(product=variant.product)
        if index == 0:
            VariantFactory(product=variant.product, stock_on_hand=0)
    from orders.models import ShippingMethod

    ShippingMethod.objects.get_or_create(
        code="standard", defaults={"name": "Standard", "price": "4.99"}
    )


def test_api_never_errors_and_conforms_to_its_schema(live_server, catalog, tmp_path):
    # when schemathesis drives every operation of /api/v1/schema/ on the live server
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{live_server.url}/api/v1/schema/",
            "--url",
            f"{live_server.url}",
            "--checks",
            CHECKS,
            "--max-examples",
            "12",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "20261130",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    # then no operation failed a check
    assert result.returncode == 0, output[-6000:]
    assert "No issues found" in output or " passed" in output, output[-3000:]

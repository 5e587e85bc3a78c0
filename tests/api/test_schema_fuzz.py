"""Fuzz the REST API from its own OpenAPI schema with schemathesis, on a running server.

Bounded (a handful of examples per operation, two operations at a time) so it fits CI; every response must be a
non-5xx that conforms to the schema (status code, content type, headers, body).
Run twice: anonymously, and as a signed-in customer with an API access token (the
`customerToken` scheme), so that the customer operations (`me`, addresses, the
cart, orders) are driven past their 401 too.
"""

import subprocess
import sys

import pytest

from tests.api.customer import sign_in
from tests.factories.accounts import AddressFactory, UserFactory
from tests.factories.orders import OrderFactory
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


@pytest.fixture(params=["anonymous", "customer"])
def auth_headers(request, settings, client):
    """No header, or a customer's bearer token (one with an address and an order)."""
    if request.param == "anonymous":
        return []
    # The token must outlive the run; the fuzzer never sees a refresh token.
    settings.API_ACCESS_TOKEN_SECONDS = 3600
    customer = UserFactory()
    AddressFactory(user=customer, is_default=True)
    OrderFactory(user=customer)
    access = sign_in(client, customer.username)["access"]
    return ["--header", f"Authorization: Bearer {access}"]


def test_api_never_errors_and_conforms_to_its_schema(
    live_server, catalog, auth_headers, tmp_path
):
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
            # Two operations at a time: the live server answers each request in a
            # thread of its own, and the run takes 40% less time than one by one.
            "--workers",
            "2",
            "--request-timeout",
            "20",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
            *auth_headers,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    # then no operation failed a check
    assert result.returncode == 0, output[-6000:]
    assert "No issues found" in output or " passed" in output, output[-3000:]

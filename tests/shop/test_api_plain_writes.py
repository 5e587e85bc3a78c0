"""Cart line writes from plain callers (no session cookie, no Authorization, a JSON
body of exact values) are answered before DRF's request cycle: the same answer,
status and headers as DRF gives, the same throttles, and anything the plain path
cannot take (a value DRF converts, malformed JSON, a customer's cart, a write the
shop refuses) answered as before."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from shop import api_views
from shop.models import Cart, CartLine
from tests.factories.accounts import UserFactory
from tests.factories.shop import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drf_cycles(monkeypatch) -> list[str]:
    """The paths of the requests DRF's request cycle answered."""
    served: list[str] = []
    real = APIView.initial

    def initial(self, request, *args, **kwargs):
        served.append(request.path)
        return real(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "initial", initial)
    return served


@pytest.fixture
def mug():
    return VariantFactory(sku="MUG-1", price=Decimal("8.00"), stock_on_hand=5)


def _cart(client) -> str:
    return client.post("/api/v1/carts/").json()["id"]


def _send(client, method: str, path: str, body: object):
    raw = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(path, raw, content_type="application/json")


ONE_MUG = {"sku": "MUG-1", "quantity": 1}


def _add(client, cart: str, body: object = ONE_MUG):
    return _send(client, "post", f"/api/v1/carts/{cart}/lines/", body)


def _both(client, monkeypatch, method: str, path_of, body: object):
    """The same write on two equal carts: plain, then with the plain path off."""
    plain = _send(client, method, path_of(_cart(client)), body)
    with monkeypatch.context() as off:
        off.setattr(api_views, "_plain_caller", lambda request: False)
        drf = _send(client, method, path_of(_cart(client)), body)
    return plain, drf


def _same(plain, drf) -> None:
    assert plain.status_code == drf.status_code
    body, expected = plain.json(), drf.json()
    if isinstance(body, dict):
        body.pop("id", None), expected.pop("id", None)  # two carts
    assert body == expected
    for header in ("Content-Type", "Allow", "Vary"):
        assert plain.get(header) == drf.get(header), header


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"sku": "MUG-1", "quantity": 2}, 201),
        ({"sku": "MUG-1", "quantity": 9}, 409),  # more than is in stock
        ({"sku": "NOPE", "quantity": 1}, 400),  # unknown SKU
    ],
)
def test_add_answers_as_drf_does_without_its_cycle(
    client, mug, monkeypatch, drf_cycles, body, status
):
    plain, drf = _both(
        client, monkeypatch, "post", lambda cart: f"/api/v1/carts/{cart}/lines/", body
    )
    _same(plain, drf)
    assert plain.status_code == status
    # only the carts' creation and the write with the plain path off ran DRF's cycle
    assert [path for path in drf_cycles if "/lines/" in path] == [drf_cycles[-1]]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"quantity": 4}, 200),
        ({"quantity": 6}, 409),
    ],
)
def test_quantity_change_answers_as_drf_does_without_its_cycle(
    client, mug, monkeypatch, drf_cycles, body, status
):
    def line_of(cart: str) -> str:
        assert _add(client, cart).status_code == 201
        return f"/api/v1/carts/{cart}/lines/MUG-1/"

    plain, drf = _both(client, monkeypatch, "patch", line_of, body)
    _same(plain, drf)
    assert plain.status_code == status
    assert [path for path in drf_cycles if "/lines/MUG-1/" in path] == [drf_cycles[-1]]


@pytest.mark.parametrize(
    ("body", "status", "changed"),
    [
        ({"sku": "MUG-1", "quantity": "2"}, 201, True),  # DRF converts "2"
        ({"sku": " MUG-1 ", "quantity": 1}, 201, True),  # and trims
        ({"sku": "MUG-1", "quantity": 0}, 400, False),
        ({"sku": "MUG-1", "quantity": True}, 400, False),
        ({"sku": "MUG-1", "quantity": [2]}, 400, False),
        ('{"sku": "MUG-1", "quantity": NaN}', 400, False),
        ('{"sku": "MUG-1", "quantity": 2', 400, False),  # malformed
        ("[1, 2]", 400, False),
    ],
)
def test_what_the_plain_path_cannot_take_drf_answers(
    client, mug, drf_cycles, body, status, changed
):
    cart = _cart(client)
    response = _add(client, cart, body)
    assert response.status_code == status, response.content
    assert drf_cycles[-1] == f"/api/v1/carts/{cart}/lines/"
    assert CartLine.objects.filter(cart__token=cart).exists() is changed


def test_a_customers_cart_is_not_found_by_its_token_alone(client, mug, drf_cycles):
    cart = Cart.objects.create(user=UserFactory())
    assert _add(client, cart.token).status_code == 404
    assert not cart.lines.exists()


def test_a_signed_in_customer_goes_through_drf(client, mug, drf_cycles):
    user = UserFactory()
    client.force_login(user)
    cart = client.post("/api/v1/carts/").json()["id"]
    assert _add(client, cart).status_code == 201
    assert drf_cycles[-1] == f"/api/v1/carts/{cart}/lines/"
    assert CartLine.objects.get(cart__user=user).quantity == 1


def test_plain_writes_are_throttled_once_each(client, mug, monkeypatch, redis_cache):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "4/min", "user": "4/min"}
    )
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 6_000_030.0))
    cart = _cart(client)  # 1
    answers = [
        _add(client, cart, body).status_code
        for body in (
            ONE_MUG,  # 2: plain
            {"sku": "MUG-1", "quantity": "1"},  # 3: plain path declines, DRF answers
            ONE_MUG,  # 4
            ONE_MUG,  # 5: over the limit
        )
    ]
    assert answers == [201, 201, 201, 429]
    assert CartLine.objects.get(cart__token=cart).quantity == 3


def test_a_body_in_another_charset_is_decoded_by_drf(client, mug, drf_cycles):
    cart = _cart(client)
    response = client.post(
        f"/api/v1/carts/{cart}/lines/",
        '{"sku": "MUG-1", "quantity": 1}',  # the client encodes it in UTF-16
        content_type="application/json; charset=utf-16",
    )
    assert response.status_code == 201
    assert drf_cycles[-1] == f"/api/v1/carts/{cart}/lines/"

from __future__ import annotations

import pytest

from tests.factories.orders import ShippingMethodFactory


@pytest.fixture
def standard_shipping(db):
    return ShippingMethodFactory()

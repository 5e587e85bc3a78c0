"""Every benchmark checkout ships to an address the API accepts: a rejected address
would make the checkout scenarios measure 400s (as an Illinois city with a New York
ZIP once did)."""

from __future__ import annotations

import json
import re

from bench.common import BENCH_ADDRESS, ROOT
from orders.serializers import AddressSerializer


def test_the_bench_address_passes_the_apis_address_rules():
    serializer = AddressSerializer(data=BENCH_ADDRESS)
    assert serializer.is_valid(), serializer.errors


def test_the_flash_sale_script_sends_the_same_address():
    lua = (ROOT / "bench" / "flash_sale.lua").read_text()
    fragment = re.search(
        r'"shipping_address": (\{.*?\})', lua.replace("'\n      .. '", "")
    )
    assert fragment is not None
    assert json.loads(fragment.group(1)) == BENCH_ADDRESS

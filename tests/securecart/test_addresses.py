"""One Address value object: every conversion keeps every field."""

from types import SimpleNamespace

from securecart.addresses import FIELDS, POSTAL_FIELDS, Address

FULL = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "line2": "Flat 2",
    "city": "London",
    "region": "Greater London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "phone": "+44 20 7946 0000",
}


def test_round_trips_through_dict_columns_and_attributes():
    address = Address.from_mapping({**FULL, "email": "ignored@example.com"})
    assert address.as_dict() == FULL
    assert list(address.as_dict()) == list(FIELDS)
    columns = address.as_columns(prefix="shipping_")
    assert columns["shipping_postal_code"] == "SW1Y 4JH" and len(columns) == len(FIELDS)
    order_like = SimpleNamespace(**columns)
    assert Address.from_object(order_like, prefix="shipping_") == address


def test_missing_optional_parts_become_empty_and_are_not_printed():
    address = Address.from_mapping({k: FULL[k] for k in POSTAL_FIELDS if k != "line2"})
    assert address.line2 == "" and address.phone == ""
    assert address.as_lines() == [
        "Ada Lovelace",
        "12 St James's Square",
        "London Greater London SW1Y 4JH",
        "GB",
    ]

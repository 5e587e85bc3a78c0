"""The account page speaks to the customer: no admin help text, autofill tokens."""

import pytest
from django.urls import reverse

from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_account_form_has_customer_words_and_autofill_tokens(client):
    client.force_login(UserFactory())

    body = client.get(reverse("accounts:account")).content.decode()

    assert "Customer agreed to order updates by SMS." not in body  # the admin's
    assert "Texts go to the phone number above when an order ships." in body
    for token in ("given-name", "family-name", "email", "tel"):
        assert f'autocomplete="{token}"' in body
    assert 'type="tel"' in body and 'type="email"' in body

"""Races the database must settle: same email signed up twice, two defaults at once."""

import threading

import pytest
from django.db import connection

from accounts import services
from accounts.exceptions import EmailAlreadyInUse
from accounts.models import Address, User
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes: list[object] = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            outcomes.append(work())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_same_email_in_two_cases_signed_up_at_once_makes_one_account():
    outcomes = _race(
        [
            lambda: services.user_create(email="race@example.com", password=PASSWORD),
            lambda: services.user_create(email="RACE@example.com", password=PASSWORD),
            lambda: services.user_create(email="Race@Example.com", password=PASSWORD),
        ]
    )

    created = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, EmailAlreadyInUse)]
    assert len(created) == 1, outcomes
    assert len(refused) == 2, outcomes
    assert User.objects.filter(email__iexact="race@example.com").count() == 1


def test_concurrent_default_addresses_leave_exactly_one_default():
    user = UserFactory()
    fields = {
        "name": "Ada",
        "line1": "1 Road",
        "city": "Town",
        "postal_code": "12345",
        "country": "US",
        "is_default": True,
    }

    outcomes = _race(
        [lambda: services.address_create(user=user, **fields) for _ in range(4)]
    )

    assert all(isinstance(o, Address) for o in outcomes), outcomes
    assert Address.objects.filter(user=user).count() == 4
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_one_refresh_token_exchanged_twice_at_once_rotates_once_then_revokes():
    from accounts import tokens
    from accounts.exceptions import TokenReused

    user = UserFactory()
    pair = tokens.token_pair_issue(user=user)
    outcomes = _race([lambda: tokens.token_refresh(raw=pair.refresh)] * 4)

    # the row lock lets one exchange through; the others see a spent token: reuse
    issued = [o for o in outcomes if isinstance(o, tokens.TokenPair)]
    reused = [o for o in outcomes if isinstance(o, TokenReused)]
    assert len(issued) == 1 and len(reused) == 3, outcomes
    # and reuse revoked the family, the new token included
    with pytest.raises(TokenReused):
        tokens.token_refresh(raw=issued[0].refresh)

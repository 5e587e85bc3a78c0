"""factory_boy factories for accounts (users and saved addresses)."""

from __future__ import annotations

import factory

from accounts.models import Address, User

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True
    username = factory.Sequence(lambda n: f"staff{n}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    line1 = factory.Sequence(lambda n: f"{n} Market Street")
    city = "Springfield"
    region = "OR"
    postal_code = "97477"
    country = "US"
    phone = "+15415550100"
    is_default = False

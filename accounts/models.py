from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from securecart.addresses import Address as AddressValue
from securecart.countries import validate_country_code


class User(AbstractUser):
    """A customer or staff member; sign-in is by username or email."""

    email = models.EmailField("email address", blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    sms_opt_in = models.BooleanField(
        default=False, help_text="Customer agreed to order updates by SMS."
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # Sign-in and password reset look people up by email, so one address
            # must never belong to two accounts, whatever its letter case. Staff
            # accounts made with createsuperuser may leave it blank.
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                condition=~models.Q(email=""),
                violation_error_message="An account with this email address already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_username()


class Address(models.Model):
    """A saved postal address of a customer, offered again at checkout."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField("full name", max_length=200)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    # City and postal code: required where the country's rules say so (forms).
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(
        max_length=2,
        validators=[validate_country_code],
        help_text="ISO 3166-1 alpha-2 code, e.g. US.",
    )
    phone = models.CharField(max_length=32, blank=True)
    is_default = models.BooleanField("default address", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at", "-pk"]
        verbose_name_plural = "addresses"
        constraints = [
            # At most one default per customer, even under concurrent edits.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default=True),
                name="accounts_address_one_default_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"),
                name="accounts_address_country_alpha2",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.city} ({self.country})"

    def as_lines(self) -> list[str]:
        """Return the address as printable lines, skipping empty parts."""
        return AddressValue.from_object(self).as_lines()

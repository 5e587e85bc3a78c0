from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A customer or staff member; sign-in is by username or email."""

    email = models.EmailField("email address", blank=True, db_index=True)
    phone = models.CharField(max_length=32, blank=True)
    sms_opt_in = models.BooleanField(
        default=False, help_text="Customer agreed to order updates by SMS."
    )

    def __str__(self) -> str:
        return self.get_username()

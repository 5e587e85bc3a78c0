"""Signals the accounts app sends for other apps to act on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `user=` inside the transaction that activates an account whose email
# address the owner just proved (sign-up confirmation link): receivers' writes
# commit or roll back with the activation.
email_verified = Signal()

"""Celery tasks of the accounts app: emails sent after the response."""

from __future__ import annotations

from celery import shared_task

from .services import password_reset_email_send


@shared_task(name="accounts.tasks.password_reset_email_task", ignore_result=True)
def password_reset_email_task(*, email: str, domain: str, use_https: bool) -> int:
    """Send the reset link to every active account using `email` (maybe none)."""
    return password_reset_email_send(email=email, domain=domain, use_https=use_https)

"""Celery tasks of the accounts app: emails sent after the response."""

from __future__ import annotations

from celery import shared_task

from .services import password_reset_email_send
from .signup import signup_request_handle
from .tokens import tokens_flush_expired


@shared_task(name="accounts.tasks.password_reset_email_task", ignore_result=True)
def password_reset_email_task(*, email: str, domain: str, use_https: bool) -> int:
    """Send the reset link to every active account using `email` (maybe none)."""
    return password_reset_email_send(email=email, domain=domain, use_https=use_https)


@shared_task(name="accounts.tasks.signup_email_task", ignore_result=True)
def signup_email_task(
    *,
    email: str,
    username: str,
    password_hash: str,
    next_url: str,
    domain: str,
    use_https: bool,
) -> str:
    """Email a confirmation link to a new address, or the owner of a known one.

    Only the password's hash travels through the broker, never the password.
    """
    return signup_request_handle(
        email=email,
        username=username,
        password_hash=password_hash,
        next_url=next_url,
        domain=domain,
        use_https=use_https,
    )


@shared_task(name="accounts.tasks.api_tokens_flush_expired_task", ignore_result=True)
def api_tokens_flush_expired_task() -> int:
    """Beat, daily: forget expired API refresh tokens (accounts/tokens.py)."""
    return tokens_flush_expired()

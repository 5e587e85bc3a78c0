"""Create or update the first staff user from a Secrets Manager secret.

Non-interactive, for a one-off task in AWS (docs/deploy.md):

    python manage.py ensure_staff_user --secret-id <arn or name>

The secret (default: the STAFF_USER_SECRET_ID environment variable) holds JSON:
{"email": "...", "password": "..."} and optionally "username" (default: the email)
and "superuser" (default true). Running it again changes nothing unless the secret
changed: the password is only reset when it no longer matches.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from securecart.aws import client


def secret_read(secret_id: str) -> dict[str, Any]:
    try:
        raw = client("secretsmanager").get_secret_value(SecretId=secret_id)[
            "SecretString"
        ]
    except Exception as exc:
        raise CommandError(f"Cannot read secret {secret_id}: {exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(f"Secret {secret_id} is not JSON.") from exc
    if not isinstance(data, dict) or not data.get("email") or not data.get("password"):
        raise CommandError(f'Secret {secret_id} needs "email" and "password".')
    return data


@transaction.atomic
def staff_user_ensure(data: dict[str, Any]) -> tuple[Any, str]:
    """Return (user, "created" | "updated" | "unchanged")."""
    User = get_user_model()
    email = data["email"].strip()
    superuser = bool(data.get("superuser", True))
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        username = data.get("username") or email
        if User.objects.filter(username=username).exists():
            raise CommandError(f"Username {username!r} is taken by another account.")
        user = User(username=username, email=email)
        status = "created"
    else:
        status = "unchanged"
    try:
        validate_password(data["password"], user)
    except ValidationError as exc:
        raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc

    wanted = {"is_staff": True, "is_active": True, "is_superuser": superuser}
    for field, value in wanted.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            status = "updated" if status == "unchanged" else status
    if status == "created" or not user.check_password(data["password"]):
        user.set_password(data["password"])
        status = "updated" if status == "unchanged" else status
    if status != "unchanged":
        user.save()
    return user, status


class Command(BaseCommand):
    help = (
        "Create or update the first staff user from a Secrets Manager secret "
        '({"email", "password"[, "username", "superuser"]}); safe to re-run.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--secret-id",
            default=os.environ.get("STAFF_USER_SECRET_ID", ""),
            help="secret ARN or name (default: $STAFF_USER_SECRET_ID)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret_id = options["secret_id"]
        if not secret_id:
            raise CommandError("Pass --secret-id or set STAFF_USER_SECRET_ID.")
        user, status = staff_user_ensure(secret_read(secret_id))
        kind = "superuser" if user.is_superuser else "staff user"
        self.stdout.write(f"{kind} {user.email}: {status}")

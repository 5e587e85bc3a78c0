"""Helpers for the notifications tests: events, messaging on moto, mailboxes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from django.db import transaction

from notifications.models import OutboxEvent
from notifications.services import event_record
from tests.services import ROOT, wait_until

CUSTOMER = {
    "email": "ada@example.com",
    "phone": "+15550102030",
    "sms_opt_in": True,
    "customer_name": "Ada Lovelace",
    "currency": "USD",
    "lines": [
        {
            "name": "Analytical Engine — Brass",
            "sku": "AE-BRASS",
            "quantity": 2,
            "unit_price": "10.00",
            "line_total": "20.00",
        }
    ],
    "subtotal": "20.00",
    "shipping_total": "4.50",
    "tax_total": "0.00",
    "total": "24.50",
}


def record(type: str, number: str = "SC-TEST0001", **data: Any) -> OutboxEvent:
    """Commit one event the way a service would (on-commit hooks run)."""
    with transaction.atomic():
        return event_record(type=type, order_number=number, data={**CUSTOMER, **data})


def envelope(
    type: str = "order.shipped", number: str = "SC-TEST0001", **data: Any
) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type,
        "version": 1,
        "occurred_at": "2026-11-30T12:00:00Z",
        "order_number": number,
        "data": {**CUSTOMER, **data},
    }


def moto_sms(endpoint: str) -> list[dict]:
    """The SMS messages moto's SNS recorded (moto-api/data.json)."""
    with urllib.request.urlopen(
        f"{endpoint}/moto-api/data.json", timeout=10
    ) as response:
        data = json.load(response)
    return data.get("sns", {}).get("SMS", [])


def database_url() -> str:
    """URL of the test database, for processes the test starts."""
    from django.db import connection

    conf = connection.settings_dict
    return (
        f"postgres://{conf['USER']}:{conf['PASSWORD']}@{conf['HOST']}:{conf['PORT']}"
        f"/{conf['NAME']}"
    )


def process_env(base: dict[str, str], **extra: str) -> dict[str, str]:
    """Environment of a subprocess sharing the test's database (committed data)."""
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "securecart.settings.test",
        "SECURECART_AUTODETECT_SERVICES": "0",
        "DATABASE_URL": database_url(),
        "DATABASE_REPLICA_URLS": "",
        "DATABASE_POOL_MAX_SIZE": "2",
        **extra,
    }


class ConsumerProcess:
    """A real `manage.py consume_notifications --channel X` process (or another
    consumer command given as `command`, e.g. ["consume_fulfilment"] or
    ["project_order_tracking"])."""

    def __init__(
        self,
        *,
        channel: str,
        env: dict[str, str],
        log_path: Path,
        wait_seconds: int | None = 1,
        command: list[str] | None = None,
    ):
        """`wait_seconds=None` runs the command with its default long poll."""
        self.channel, self.env, self.log_path = channel, env, log_path
        self.wait_seconds = wait_seconds
        self.command = command or ["consume_notifications", "--channel", channel]
        self.proc: subprocess.Popen | None = None

    def start(self) -> ConsumerProcess:
        log = self.log_path.open("ab")
        wait = (
            []
            if self.wait_seconds is None
            else ["--wait-seconds", str(self.wait_seconds)]
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                *self.command,
                *wait,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: (
                b"consuming " in self.log_path.read_bytes()
                or self.proc.poll() is not None
            ),
            30,
            message=f"{self.channel} consumer to start",
        )
        if self.proc.poll() is not None:
            raise RuntimeError(f"consumer exited early:\n{self.log()}")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 the process (no graceful shutdown)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def mailbox_subjects(folder: Path) -> list[str]:
    """Subjects of every email Django's file backend wrote into `folder`."""
    subjects = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Subject: "):
                subjects.append(line.removeprefix("Subject: "))
    return subjects

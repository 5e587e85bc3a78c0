"""The built-in test gateway: in-process, deterministic, no network.

Test tokens are public constants, not secrets (hence the S105 exemption).

Tokens (modelled on Stripe's test tokens):

| token | authorise | later calls |
|---|---|---|
| `tok_visa` (or `tok_visa_<anything>`, same card, own fingerprint) | approved, risk normal | succeed |
| `tok_riskLevelElevated` | approved, risk elevated | succeed |
| `tok_riskLevelHighest` | approved, risk highest (fraud check holds it) | succeed |
| `tok_chargeDeclined` | declined | — |
| `tok_capture_fails` | approved | capture raises GatewayUnavailable, always |
| `tok_capture_declined` | approved | capture is refused (permanent) |
| `tok_gateway_down` | raises GatewayUnavailable | — |
| anything else | declined ("invalid token") | — |

The behaviour travels in the reference (`tg_<behaviour>_<digest>`), so a
capture in another process (a Celery worker) behaves the same without shared
state. The reference is derived from the idempotency key: the same key gives
the same authorisation back, as a real gateway's idempotency does.

Transient failures on demand, for retry tests: `simulate_failures(capture=2)`
makes the next two capture calls in this process raise GatewayUnavailable;
a worker process reads the same from PAYMENT_TEST_GATEWAY_FAILURES
(e.g. "capture=2,void=1") once at start.
"""

# ruff: noqa: S105
from __future__ import annotations

import hashlib
import os
import threading
from decimal import Decimal

from .base import GatewayResult, GatewayUnavailable

_lock = threading.Lock()
_failures: dict[str, int] | None = None

_APPROVING = {
    "tok_riskLevelElevated": ("ok", "elevated"),
    "tok_riskLevelHighest": ("ok", "highest"),
    "tok_capture_fails": ("capfail", "normal"),
    "tok_capture_declined": ("capdecl", "normal"),
}


def _pending_failures() -> dict[str, int]:
    global _failures
    if _failures is None:
        _failures = {}
        spec = os.environ.get("PAYMENT_TEST_GATEWAY_FAILURES", "")
        for item in spec.split(","):
            if "=" in item:
                op, count = item.split("=", 1)
                _failures[op.strip()] = int(count)
    return _failures


def simulate_failures(**counts: int) -> None:
    """Make the next N calls of each operation raise GatewayUnavailable."""
    with _lock:
        failures = _pending_failures()
        failures.clear()
        failures.update({op: n for op, n in counts.items() if n})


def _maybe_fail(operation: str) -> None:
    with _lock:
        failures = _pending_failures()
        if failures.get(operation, 0) > 0:
            failures[operation] -= 1
            raise GatewayUnavailable(f"test gateway: simulated {operation} timeout")


def _digest(value: str, length: int = 20) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:length]


def _behaviour(reference: str) -> str:
    parts = reference.split("_")
    return parts[1] if len(parts) >= 3 and parts[0] == "tg" else "ok"


class TestGateway:
    """Deterministic in-process gateway (see the module docstring)."""

    __test__ = False  # not a pytest test class
    name = "test"

    def authorise(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        _maybe_fail("authorise")
        if token == "tok_gateway_down":
            raise GatewayUnavailable("test gateway: unavailable")
        if token == "tok_visa" or token.startswith("tok_visa_"):
            behaviour, risk = "ok", "normal"
        elif token in _APPROVING:
            behaviour, risk = _APPROVING[token]
        elif token == "tok_chargeDeclined":
            return GatewayResult(
                succeeded=False, amount=amount, error="Your card was declined."
            )
        else:
            return GatewayResult(
                succeeded=False, amount=amount, error="Invalid payment token."
            )
        return GatewayResult(
            succeeded=True,
            reference=f"tg_{behaviour}_{_digest(idempotency_key)}",
            amount=amount,
            risk_level=risk,
            fingerprint=f"fp_{_digest(token, 16)}",
        )

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        _maybe_fail("capture")
        behaviour = _behaviour(reference)
        if behaviour == "capfail":
            raise GatewayUnavailable("test gateway: capture timed out")
        if behaviour == "capdecl":
            return GatewayResult(
                succeeded=False,
                reference=reference,
                amount=amount,
                error="Capture refused: authorisation expired.",
            )
        return GatewayResult(
            succeeded=True, reference=f"{reference}_cap", amount=amount
        )

    def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        _maybe_fail("void")
        return GatewayResult(succeeded=True, reference=f"{reference}_void")

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult:
        _maybe_fail("refund")
        return GatewayResult(
            succeeded=True,
            reference=f"{reference}_ref_{_digest(idempotency_key, 8)}",
            amount=amount,
        )

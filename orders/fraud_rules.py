"""The fraud scoring rules: one pure function of an order's facts, no Django.

`assess(facts)` turns the facts of a placed order (a JSON-able dict, built from the
database by orders.services.fraud.order_facts) into a score 0–100 and the reasons
that made it. The Celery worker calls it in process; orders.fraud_lambda is the
AWS Lambda handler around it (FRAUD_SCORER=lambda, or the Step Functions fraud
state). Both import only this module and the standard library, so Terraform
packages the two files alone.

There is no billing address (the gateway keeps card data), so the mismatch rule
compares the shipping country with the calling code of the customer's phone;
there is no IP geolocation database either, so the IP only feeds velocity.
Weights are plain constants: tune them here, in one reviewed place.

Facts (every key required; counts are other orders/payments in the last 24 h):
  total: str (decimal), currency: str, payment_risk_level: str | None,
  orders_same_email: int, orders_same_ip: int | None (no client IP),
  payments_same_card: int | None (no card fingerprint), phone: str,
  shipping_country: str
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

VELOCITY_WINDOW_HOURS = 24
HIGH_VALUE = Decimal("1000.00")
ELEVATED_VALUE = Decimal("500.00")

# The gateway's risk level (orders.models.Payment.RiskLevel values) -> points.
GATEWAY_RISK_POINTS: dict[str, int] = {"highest": 80, "elevated": 30}
# (other orders in the window at or above which the rule fires, points)
EMAIL_VELOCITY = (3, 20)
IP_VELOCITY = (5, 15)
CARD_VELOCITY = (3, 25)
PHONE_COUNTRY_MISMATCH_POINTS = 10

FACT_KEYS = frozenset(
    {
        "total",
        "currency",
        "payment_risk_level",
        "orders_same_email",
        "orders_same_ip",
        "payments_same_card",
        "phone",
        "shipping_country",
    }
)

# Calling code -> countries using it (the common ones; unknown codes score 0).
CALLING_CODES: dict[str, frozenset[str]] = {
    "1": frozenset({"US", "CA", "PR"}),
    "7": frozenset({"RU", "KZ"}),
    "31": frozenset({"NL"}),
    "32": frozenset({"BE"}),
    "33": frozenset({"FR"}),
    "34": frozenset({"ES"}),
    "39": frozenset({"IT"}),
    "41": frozenset({"CH"}),
    "43": frozenset({"AT"}),
    "44": frozenset({"GB"}),
    "45": frozenset({"DK"}),
    "46": frozenset({"SE"}),
    "47": frozenset({"NO"}),
    "48": frozenset({"PL"}),
    "49": frozenset({"DE"}),
    "61": frozenset({"AU"}),
    "64": frozenset({"NZ"}),
    "81": frozenset({"JP"}),
    "86": frozenset({"CN"}),
    "91": frozenset({"IN"}),
    "234": frozenset({"NG"}),
    "351": frozenset({"PT"}),
    "353": frozenset({"IE"}),
}


class InvalidFacts(ValueError):
    """The facts are not a complete, well-typed description of an order."""


@dataclass
class RiskAssessment:
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.score = min(100, self.score + points)
        self.reasons.append(f"{reason} (+{points})")

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "reasons": list(self.reasons)}


def phone_countries(phone: str) -> frozenset[str] | None:
    """Return the countries of an international phone number's calling code."""
    digits = phone.strip()
    if not digits.startswith("+"):
        return None
    digits = "".join(ch for ch in digits[1:] if ch.isdigit())
    for length in (3, 2, 1):
        if digits[:length] in CALLING_CODES:
            return CALLING_CODES[digits[:length]]
    return None


def _count(facts: dict[str, Any], key: str, *, optional: bool) -> int | None:
    value = facts[key]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFacts(f"{key} must be a non-negative integer")
    return value


def _total(facts: dict[str, Any]) -> Decimal:
    try:
        total = Decimal(str(facts["total"]))
    except InvalidOperation:
        raise InvalidFacts("total must be a decimal number") from None
    if not total.is_finite():
        raise InvalidFacts("total must be a decimal number")
    return total


def validate(facts: Any) -> None:
    """Raise InvalidFacts unless `facts` has exactly the keys and types assess reads."""
    if not isinstance(facts, dict):
        raise InvalidFacts("facts must be an object")
    missing = FACT_KEYS - facts.keys()
    if missing:
        raise InvalidFacts(f"missing facts: {', '.join(sorted(missing))}")
    for key in ("currency", "phone", "shipping_country"):
        if not isinstance(facts[key], str):
            raise InvalidFacts(f"{key} must be a string")
    level = facts["payment_risk_level"]
    if level is not None and not isinstance(level, str):
        raise InvalidFacts("payment_risk_level must be a string or null")
    _total(facts)
    _count(facts, "orders_same_email", optional=False)
    _count(facts, "orders_same_ip", optional=True)
    _count(facts, "payments_same_card", optional=True)


def _velocity(risk: RiskAssessment, facts: dict[str, Any]) -> None:
    by_email = _count(facts, "orders_same_email", optional=False) or 0
    if by_email >= EMAIL_VELOCITY[0]:
        risk.add(EMAIL_VELOCITY[1], f"{by_email} other orders from this email in 24h")
    by_ip = _count(facts, "orders_same_ip", optional=True)
    if by_ip is not None and by_ip >= IP_VELOCITY[0]:
        risk.add(IP_VELOCITY[1], f"{by_ip} other orders from this IP in 24h")
    by_card = _count(facts, "payments_same_card", optional=True)
    if by_card is not None and by_card >= CARD_VELOCITY[0]:
        risk.add(CARD_VELOCITY[1], f"{by_card} other payments with this card in 24h")


def assess(facts: dict[str, Any]) -> RiskAssessment:
    """Score the order: value, gateway risk, velocity and country mismatch."""
    validate(facts)
    risk = RiskAssessment()
    total, currency = _total(facts), facts["currency"]
    if total >= HIGH_VALUE:
        risk.add(25, f"high order value {total} {currency}")
    elif total >= ELEVATED_VALUE:
        risk.add(10, f"elevated order value {total} {currency}")

    level = facts["payment_risk_level"]
    if level in GATEWAY_RISK_POINTS:
        risk.add(GATEWAY_RISK_POINTS[level], f"payment gateway risk level {level}")

    _velocity(risk, facts)

    countries = phone_countries(facts["phone"])
    country = facts["shipping_country"]
    if countries is not None and country.upper() not in countries:
        risk.add(
            PHONE_COUNTRY_MISMATCH_POINTS,
            f"phone country does not match shipping country {country}",
        )
    return risk

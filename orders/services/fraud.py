"""Rule-based fraud scoring of a placed order.

`risk_assess` reads the order and its neighbours and returns a score 0–100 with
the reasons that made it; the fulfilment workflow records both on the order and
holds it for staff when the score exceeds settings.FRAUD_HOLD_THRESHOLD.

There is no billing address (the gateway keeps card data), so the mismatch rule
compares the shipping country with the calling code of the customer's phone;
there is no IP geolocation database either, so the IP only feeds velocity.
Weights are plain constants: tune them here, in one reviewed place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ..models import Order, Payment

VELOCITY_WINDOW = timedelta(hours=24)
HIGH_VALUE = Decimal("1000.00")
ELEVATED_VALUE = Decimal("500.00")

GATEWAY_RISK_POINTS: dict[str, int] = {
    Payment.RiskLevel.HIGHEST: 80,
    Payment.RiskLevel.ELEVATED: 30,
}
# (other orders in the window at or above which the rule fires, points)
EMAIL_VELOCITY = (3, 20)
IP_VELOCITY = (5, 15)
CARD_VELOCITY = (3, 25)
PHONE_COUNTRY_MISMATCH_POINTS = 10

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


@dataclass
class RiskAssessment:
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        self.score = min(100, self.score + points)
        self.reasons.append(f"{reason} (+{points})")


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


def risk_assess(*, order: Order) -> RiskAssessment:
    """Score the order: value, gateway risk, velocity and country mismatch."""
    risk = RiskAssessment()
    if order.total >= HIGH_VALUE:
        risk.add(25, f"high order value {order.total} {order.currency}")
    elif order.total >= ELEVATED_VALUE:
        risk.add(10, f"elevated order value {order.total} {order.currency}")

    payment = Payment.objects.filter(order=order).first()
    if payment is not None and payment.risk_level in GATEWAY_RISK_POINTS:
        risk.add(
            GATEWAY_RISK_POINTS[payment.risk_level],
            f"payment gateway risk level {payment.risk_level}",
        )

    since = timezone.now() - VELOCITY_WINDOW
    recent = Order.objects.filter(placed_at__gte=since).exclude(pk=order.pk)
    by_email = recent.filter(email__iexact=order.email).count()
    if by_email >= EMAIL_VELOCITY[0]:
        risk.add(EMAIL_VELOCITY[1], f"{by_email} other orders from this email in 24h")
    if order.client_ip:
        by_ip = recent.filter(client_ip=order.client_ip).count()
        if by_ip >= IP_VELOCITY[0]:
            risk.add(IP_VELOCITY[1], f"{by_ip} other orders from this IP in 24h")
    if payment is not None and payment.fingerprint:
        by_card = (
            Payment.objects.filter(
                fingerprint=payment.fingerprint, created_at__gte=since
            )
            .exclude(pk=payment.pk)
            .count()
        )
        if by_card >= CARD_VELOCITY[0]:
            risk.add(
                CARD_VELOCITY[1], f"{by_card} other payments with this card in 24h"
            )

    countries = phone_countries(order.shipping_phone or order.phone)
    if countries is not None and order.shipping_country.upper() not in countries:
        risk.add(
            PHONE_COUNTRY_MISMATCH_POINTS,
            f"phone country does not match shipping country {order.shipping_country}",
        )
    return risk

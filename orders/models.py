"""Orders, payments, shipping methods, tax rules and checkout idempotency keys."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

# Crockford-style alphabet without 0/O, 1/I/L and U: readable over the phone.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_LENGTH = 8


def order_number_generate() -> str:
    """Return a fresh human-friendly order number such as SC-7K2MXQ9D."""
    body = "".join(
        secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH)
    )
    return f"SC-{body}"


def _access_token() -> str:
    return secrets.token_urlsafe(32)


def _currency_default() -> str:
    return settings.STORE_CURRENCY




class ShippingMethod(models.Model):
    """A staff-managed way to ship, e.g. Standard (free over 50.00)."""

    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, default=_currency_default)
    # Orders whose subtotal reaches this ship for free; empty: never free.
    free_over = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "price", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="shipping_method_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TaxRate(models.Model):
    """A staff-managed sales tax / VAT rate for one destination country."""

    country = models.CharField(
        max_length=2, unique=True, help_text="ISO 3166-1 alpha-2 code, e.g. DE."
    )
    name = models.CharField(max_length=60, default="Tax", help_text="e.g. 'VAT'.")
    # A fraction: 0.1900 is 19 %.
    rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        ordering = ("country",)
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="tax_rate_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.name} {self.rate * 100:.2f}%"


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PROCESSING = "processing", "Processing"
        ON_HOLD = "on_hold", "On hold"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(
        max_length=16, unique=True, default=order_number_generate, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField()
    phone = models.CharField(max_length=32, blank=True)
    sms_opt_in = models.BooleanField(default=False)

    shipping_name = models.CharField(max_length=200)
    shipping_line1 = models.CharField(max_length=200)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100)
    shipping_region = models.CharField(max_length=100, blank=True)
    shipping_postal_code = models.CharField(max_length=20)
    shipping_country = models.CharField(max_length=2)
    shipping_phone = models.CharField(max_length=32, blank=True)

    shipping_method = models.ForeignKey(
        ShippingMethod, on_delete=models.PROTECT, related_name="orders"
    )
    currency = models.CharField(max_length=3, default=_currency_default)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # Snapshot of how tax was applied when the order was placed.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    prices_include_tax = models.BooleanField(default=False)

    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PLACED, db_index=True
    )
    # Indexed: the reconcile sweep looks for orders stuck in one state too long.
    status_changed_at = models.DateTimeField(db_index=True)
    placed_at = models.DateTimeField(db_index=True)
    access_token = models.CharField(
        max_length=64, unique=True, default=_access_token, editable=False
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    risk_score = models.IntegerField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)

    tracking_number = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    # Set once by orders.services.stock so releasing/committing stock is idempotent.
    stock_released_at = models.DateTimeField(null=True, blank=True)
    stock_committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-placed_at", "-id")
        indexes = [
            models.Index(fields=["user", "-placed_at"]),
            models.Index(fields=["email"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0), name="order_total_not_negative"
            ),
            # Stock is either still reserved, released (cancel) or committed
            # (shipped): never both released and committed.
            models.CheckConstraint(
                condition=Q(stock_released_at__isnull=True)
                | Q(stock_committed_at__isnull=True),
                name="order_stock_released_xor_committed",
            ),
        ]
        permissions = [
            ("hold_order", "Can hold and release orders"),
            ("cancel_order", "Can cancel orders"),
            ("ship_order", "Can mark orders shipped or delivered"),
            ("refund_order", "Can refund orders"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "shop.Variant", on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The price the customer paid, frozen at checkout.
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["order", "variant"], name="order_line_unique_variant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class OrderEvent(models.Model):
    """One entry of an order's timeline: who did what, when."""

    class Kind(models.TextChoices):
        PLACED = "placed", "Placed"
        STATUS = "status", "Status changed"
        PAYMENT = "payment", "Payment"
        STOCK = "stock", "Stock"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    message = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "customer", "staff:alice", "system:fulfilment" ... survives user deletion.
    actor_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.from_status}→{self.to_status}"

    # The status columns carry no `choices` (the history must keep any code ever
    # written), so these stand in for get_FOO_display; unknown codes show as-is.
    def get_from_status_display(self) -> str:
        return _status_label(self.from_status)

    def get_to_status_display(self) -> str:
        return _status_label(self.to_status)


def _status_label(code: str) -> str:
    try:
        return str(Order.Status(code).label)
    except ValueError:
        return code


class Payment(models.Model):
    """One card payment through the gateway (never card data: only references).

    Created before the authorisation call (status pending) so a crash mid-call
    leaves a trace; `order` is filled in when the order is placed, and stays
    empty for a declined or abandoned attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        AUTHORISED = "authorised", "Authorised"
        CAPTURED = "captured", "Captured"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    class RiskLevel(models.TextChoices):
        NORMAL = "normal", "Normal"
        ELEVATED = "elevated", "Elevated"
        HIGHEST = "highest", "Highest"

    order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    gateway = models.CharField(max_length=32)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default=_currency_default)
    captured_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    risk_level = models.CharField(
        max_length=16, choices=RiskLevel.choices, default=RiskLevel.NORMAL
    )
    # Opaque card fingerprint from the gateway (fraud velocity), never a PAN.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # The gateway idempotency key of the authorisation: a retried checkout
    # re-sends it and gets the same authorisation back, never a second one.
    authorise_key = models.CharField(max_length=128, unique=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("captured_amount")),
                name="payment_refund_not_above_capture",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference or self.authorise_key} ({self.status})"


class PaymentTransaction(models.Model):
    """Every call made to the gateway, successful or not."""

    class Kind(models.TextChoices):
        AUTHORISE = "authorise", "Authorise"
        CAPTURE = "capture", "Capture"
        VOID = "void", "Void"
        REFUND = "refund", "Refund"

    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, related_name="transactions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    succeeded = models.BooleanField()
    reference = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.kind} {self.amount} {outcome}"


class CheckoutIdempotencyKey(models.Model):
    """One checkout attempt, keyed by the client's Idempotency-Key.

    The unique constraint on `key` is what makes a double submit place one
    order: the second INSERT fails and that request replays the first's
    response instead of charging again.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        # The gateway was unreachable: a retry with the same key takes over at once.
        RETRYABLE = "retryable", "Retryable"
        COMPLETED = "completed", "Completed"

    key = models.CharField(max_length=255, unique=True)
    request_hash = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.IN_PROGRESS
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "checkout idempotency key"

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"

"""Orders, their lines and timeline, shipping methods and tax rates."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from . import _access_token, _currency_default, order_number_generate


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
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Destinations this method ships to (ISO 3166-1 alpha-2); empty: everywhere.
    countries = models.JSONField(
        default=list,
        blank=True,
        help_text='Country codes this method ships to, e.g. ["US", "CA"]; '
        "empty ships everywhere.",
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

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from securecart.countries import country_codes

        codes = [str(code).strip().upper() for code in (self.countries or [])]
        unknown = [code for code in codes if code not in country_codes()]
        if unknown:
            raise ValidationError(
                {"countries": f"Not ISO 3166-1 alpha-2 codes: {', '.join(unknown)}."}
            )
        self.countries = sorted(set(codes))

    def ships_to(self, country: str) -> bool:
        return not self.countries or (country or "").upper() in self.countries


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
    shipping_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    tax_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    # Sales and the voucher together (see OrderDiscount); `total` already has it
    # taken off, `subtotal` is before it.
    discount_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    voucher_code = models.CharField(max_length=40, blank=True)
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
    # Per-order sequence of its order.* events (1 = placed), bumped under the row
    # lock with every status change; projections apply an event only if it is newer.
    event_sequence = models.PositiveIntegerField(default=0)

    # The Step Functions execution of the latest fulfilment run (empty: the
    # Celery engine ran it, FULFILMENT_ENGINE=celery).
    fulfilment_execution_arn = models.CharField(max_length=512, blank=True)

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
            models.CheckConstraint(
                condition=Q(discount_total__gte=0)
                & Q(discount_total__lte=models.F("subtotal")),
                name="order_discount_within_subtotal",
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
            ("release_order", "Can release held orders"),
            ("deliver_order", "Can mark orders delivered"),
            ("resend_order_notification", "Can resend an order's notifications"),
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
    # This line's share of the order's discounts (tax and refunds per line).
    discount_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # The sale that priced this line (revenue per sale); its name is kept as it
    # was at checkout, and the line keeps it if the sale is deleted.
    sale = models.ForeignKey(
        "promotions.Sale",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
    )
    sale_name = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_total__gte=0)
                & Q(discount_total__lte=models.F("line_total")),
                name="order_line_discount_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["order", "variant"], name="order_line_unique_variant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class OrderDiscount(models.Model):
    """One discount line of an order: a sale or the voucher, with its amount."""

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        VOUCHER = "voucher", "Voucher"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(max_length=40, blank=True)
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    free_shipping = models.BooleanField(default=False)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="order_discount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: -{self.amount}"


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

"""Vouchers, their redemptions, the voucher a cart carries, and scheduled sales."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage off"
    FIXED = "fixed", "Fixed amount off"
    FREE_SHIPPING = "free_shipping", "Free shipping"


class VoucherBatch(models.Model):
    """A run of generated single-use codes (background task, CSV download)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    template = models.ForeignKey(
        "Voucher", on_delete=models.PROTECT, related_name="batches"
    )
    prefix = models.CharField(max_length=16, blank=True)
    count = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "voucher batches"

    def __str__(self) -> str:
        return f"{self.count} codes from {self.template.code}"


class Voucher(models.Model):
    """A code a shopper types in the cart. One voucher per order."""

    code = models.CharField(
        max_length=40,
        unique=True,
        help_text="Stored upper-case; shoppers type any case.",
    )
    name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(
        max_length=16, choices=DiscountKind.choices, default=DiscountKind.PERCENTAGE
    )
    # Percent (0-100) for percentage vouchers; an amount for fixed ones.
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_subtotal = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Empty both: the whole order. Otherwise only lines of these.
    products = models.ManyToManyField("shop.Product", blank=True, related_name="+")
    categories = models.ManyToManyField("shop.Category", blank=True, related_name="+")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # Empty: unlimited. `used_count` only moves by conditional UPDATE.
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    used_count = models.PositiveIntegerField(default=0, editable=False)
    once_per_customer = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    batch = models.ForeignKey(
        VoucherBatch,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="vouchers",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # The backstop of the cap: never more redemptions than allowed.
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True)
                | Q(used_count__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="voucher_value_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="voucher_percentage_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)


class VoucherRedemption(models.Model):
    """One order that used a voucher. Deleted when the order gives it back."""

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="redemptions"
    )
    order_number = models.CharField(max_length=16, unique=True)
    # Lower-cased email, set only for once-per-customer vouchers: the unique
    # constraint below then allows one redemption per customer (NULLs differ).
    customer_key = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001 (NULLs never collide)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField()
    discount = models.DecimalField(max_digits=12, decimal_places=2)
    # The order's total (after the discount): the voucher's revenue in admin.
    order_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "customer_key"], name="voucher_once_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="voucher_redemption_discount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher.code} on {self.order_number}"


class CartVoucher(models.Model):
    """The voucher a cart carries until checkout (one per cart)."""

    cart = models.OneToOneField(
        "shop.Cart", on_delete=models.CASCADE, related_name="promotion_voucher"
    )
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="+")
    applied_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.voucher.code} on cart {self.cart_id}"


class Sale(models.Model):
    """An automatic price reduction for products, categories or variants."""

    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=16,
        choices=[c for c in DiscountKind.choices if c[0] != "free_shipping"],
        default=DiscountKind.PERCENTAGE,
    )
    value = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    products = models.ManyToManyField("shop.Product", blank=True, related_name="+")
    categories = models.ManyToManyField("shop.Category", blank=True, related_name="+")
    variants = models.ManyToManyField("shop.Variant", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="sale_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0), name="sale_value_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="sale_percentage_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

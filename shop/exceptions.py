"""Domain errors of the catalog and cart.

Each error names the input field it is about, so the storefront forms and the REST API
map every one of them the same way (see `shop.api_views.SHOP_ERROR_STATUS` and
`shop.forms.add_shop_error`).
"""

from __future__ import annotations


class ShopError(Exception):
    """Base of every catalog/cart error; `message` is safe to show to a shopper."""

    field: str | None = None
    code = "shop_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQuantity(ShopError):
    field = "quantity"
    code = "invalid_quantity"

    def __init__(self, quantity: object) -> None:
        super().__init__(
            f"Quantity must be a whole number of at least 1 (got {quantity!r})."
        )
        self.quantity = quantity


class UnknownSku(ShopError):
    field = "sku"
    code = "unknown_sku"

    def __init__(self, sku: str) -> None:
        super().__init__(f"There is no product with SKU {sku!r}.")
        self.sku = sku


class ProductUnavailable(ShopError):
    field = "sku"
    code = "product_unavailable"

    def __init__(self, sku: str, *, label: str = "") -> None:
        super().__init__(f"{label or sku} is no longer available.")
        self.sku = sku


class InsufficientStock(ShopError):
    """Not enough stock: for one line (`sku`, `requested`, `available`) or, from a
    reservation of several, for each short line in `lines` ({"variant_id", "sku",
    "requested", "available"}). The message names the product (`label`, e.g.
    "Harbour Enamel Mug (Ocean)"), not its SKU, when the caller knows it."""

    field = "quantity"
    code = "insufficient_stock"

    def __init__(
        self,
        sku: str = "",
        requested: int = 0,
        available: int = 0,
        *,
        label: str = "",
        lines: list[dict] | None = None,
    ) -> None:
        name = label or sku
        if lines is not None:
            text = "Not enough stock."
        elif available > 0:
            text = f"Only {available} of {name} available; you asked for {requested}."
        else:
            text = f"{name} is out of stock."
        super().__init__(text)
        self.sku = sku
        self.requested = requested
        self.available = max(available, 0)
        self.lines = lines if lines is not None else []
        self.details = {"lines": self.lines}


class CartLineNotFound(ShopError):
    field = "sku"
    code = "cart_line_not_found"

    def __init__(self, sku: str) -> None:
        super().__init__(f"{sku} is not in this cart.")
        self.sku = sku

from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "promotions"

    def ready(self) -> None:
        from shop.pricing import (
            annotations_register,
            cart_summary_register,
            sale_prices_register,
        )

        from . import signals, tasks  # noqa: F401  (receivers, task names)
        from .selectors import (
            cart_annotation,
            cart_discount_summary,
            cart_line_annotation,
            cart_line_variant_annotation,
            product_annotation,
            variant_sale_prices,
        )

        # The catalog shows sale prices and cart discounts without importing this app.
        sale_prices_register(variant_sale_prices)
        cart_summary_register(cart_discount_summary)
        annotations_register("product", product_annotation)
        annotations_register("cart", cart_annotation)
        annotations_register("cart_line", cart_line_annotation)
        annotations_register("cart_line_variant", cart_line_variant_annotation)

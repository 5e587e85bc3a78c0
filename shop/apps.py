from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self) -> None:
        from securecart.cache_circuit import on_close_register

        from . import signals  # noqa: F401  (connects receivers)
        from .caching import catalog_bump_pending

        # A catalog change made while Redis was unreachable is bumped on its return.
        on_close_register(catalog_bump_pending)

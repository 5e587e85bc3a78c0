from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("cart/voucher/", views.cart_voucher_apply_view, name="cart_voucher"),
    path(
        "cart/voucher/remove/",
        views.cart_voucher_remove_view,
        name="cart_voucher_remove",
    ),
]

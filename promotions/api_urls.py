from django.urls import path

from . import apis

urlpatterns = [
    path(
        "carts/<str:token>/voucher/", apis.CartVoucherApi.as_view(), name="cart-voucher"
    ),
]

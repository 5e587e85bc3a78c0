from django.urls import path

from . import apis

urlpatterns: list = [
    path("checkout/", apis.CheckoutApi.as_view(), name="checkout"),
    path(
        "shipping-methods/",
        apis.ShippingMethodListApi.as_view(),
        name="shipping-methods",
    ),
    path("orders/", apis.OrderListApi.as_view(), name="order-list"),
    path("orders/<str:number>/", apis.OrderDetailApi.as_view(), name="order-detail"),
]

from django.urls import path

from . import customer_views, document_views, return_views, views

app_name = "orders"
urlpatterns: list = [
    path("checkout/", views.checkout_address, name="checkout"),
    path("checkout/shipping/", views.checkout_shipping, name="checkout_shipping"),
    path("checkout/payment/", views.checkout_payment, name="checkout_payment"),
    path("checkout/review/", views.checkout_review, name="checkout_review"),
    path(
        "checkout/accept-prices/",
        views.checkout_accept_prices,
        name="checkout_accept_prices",
    ),
    path("checkout/place/", views.checkout_place, name="checkout_place"),
    path(
        "checkout/complete/<str:number>/",
        views.checkout_complete,
        name="checkout_complete",
    ),
    path("orders/", views.order_list, name="order_list"),
    path("orders/find/", customer_views.order_lookup, name="order_lookup"),
    path(
        "orders/find/sent/", customer_views.order_lookup_sent, name="order_lookup_sent"
    ),
    path(
        "orders/find/open/", customer_views.order_lookup_open, name="order_lookup_open"
    ),
    path(
        "orders/<str:number>/cancel/", customer_views.order_cancel, name="order_cancel"
    ),
    path(
        "orders/<str:number>/reorder/",
        customer_views.order_reorder_view,
        name="order_reorder",
    ),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path(
        "orders/<str:number>/invoice.pdf",
        document_views.order_invoice,
        name="order_invoice",
    ),
    path("orders/<str:number>/return/", return_views.order_return, name="order_return"),
]

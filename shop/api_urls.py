from django.urls import path

from . import apis

# Path parameters are plain strings: any value reaches the view, which answers a
# JSON 404 for an unknown one (a converter would give the HTML page instead).
urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="category-list"),
    path("products/", apis.ProductListApi.as_view(), name="product-list"),
    path(
        "products/<str:slug>/", apis.ProductDetailApi.as_view(), name="product-detail"
    ),
    path("carts/", apis.CartCreateApi.as_view(), name="cart-create"),
    path("carts/<str:token>/", apis.CartDetailApi.as_view(), name="cart-detail"),
    path("carts/<str:token>/lines/", apis.CartLineListApi.as_view(), name="cart-lines"),
    path(
        "carts/<str:token>/lines/<str:sku>/",
        apis.CartLineDetailApi.as_view(),
        name="cart-line-detail",
    ),
]

from django.urls import path

from . import product_views, seo_views, views

app_name = "shop"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    path("p/<slug:slug>/", product_views.product_detail, name="product"),
    path("cart/", views.cart_detail, name="cart"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/", views.cart_remove, name="cart_remove"),
    path("robots.txt", seo_views.robots_txt, name="robots"),
    path("sitemap.xml", seo_views.sitemap_xml, name="sitemap"),
    path("cart/accept-prices/", views.cart_accept_prices, name="cart_accept_prices"),
]

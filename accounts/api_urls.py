from django.urls import path

from . import apis, apis_customer

urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    path("auth/verify/", apis.VerifyApi.as_view(), name="auth-verify"),
    path("auth/token/", apis.TokenObtainApi.as_view(), name="auth-token"),
    path(
        "auth/token/refresh/",
        apis.TokenRefreshApi.as_view(),
        name="auth-token-refresh",
    ),
    path("auth/token/revoke/", apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path(
        "auth/password-reset/",
        apis.PasswordResetApi.as_view(),
        name="auth-password-reset",
    ),
    path("me/", apis_customer.MeApi.as_view(), name="me"),
    path("me/addresses/", apis_customer.AddressListApi.as_view(), name="me-addresses"),
    path(
        "me/addresses/<str:pk>/",
        apis_customer.AddressDetailApi.as_view(),
        name="me-address-detail",
    ),
    path("me/cart/", apis_customer.MyCartApi.as_view(), name="me-cart"),
]

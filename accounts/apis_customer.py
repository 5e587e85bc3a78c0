"""Customer API, signed in: profile (`me`), saved addresses and the active cart.

A bearer access token (accounts.authentication) or the browser session (with
CSRF on writes) identifies the customer. Validation reuses the storefront's
forms, writes go through accounts.services and shop.services, reads through
selectors. Another customer's address answers 404, as a missing one does.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.selectors import cart_get_by_token
from shop.serializers import CartSerializer
from shop.services import cart_attach_guest, cart_get_or_create_for_user

from . import services
from .api_serializers import (
    CartMergeSerializer,
    MeSerializer,
    MeUpdateSerializer,
    SavedAddressSerializer,
    SavedAddressWriteSerializer,
    form_errors,
)
from .exceptions import EmailAlreadyInUse
from .forms import AddressForm, ProfileForm
from .models import Address, User
from .selectors import address_get_for_user, address_list_for_user
from .services import ADDRESS_FIELDS

PROFILE_FIELDS = ("first_name", "last_name", "email", "phone", "sms_opt_in")
SIGNED_IN_ERRORS = {401: dict, 403: dict}


class CustomerApi(APIView):
    permission_classes = [IsAuthenticated]

    def customer(self) -> User:
        return cast(User, self.request.user)


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    return dict(data.items()) if hasattr(data, "items") else {}


class MeApi(CustomerApi):
    @extend_schema(
        operation_id="me_read", responses={200: MeSerializer, **SIGNED_IN_ERRORS}
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(self.customer()).data)

    @extend_schema(
        operation_id="me_update",
        request=MeUpdateSerializer,
        responses={200: MeSerializer, 400: dict, **SIGNED_IN_ERRORS},
    )
    def patch(self, request: Request) -> Response:
        body = MeUpdateSerializer(data=_body(request), partial=True)
        body.is_valid(raise_exception=True)
        user = self.customer()
        # The storefront's profile form: a new email needs the current password.
        data = {**model_to_dict(user, fields=PROFILE_FIELDS), **body.validated_data}
        form = ProfileForm(data=data, instance=user)
        if not form.is_valid():
            user.refresh_from_db()
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            services.user_update_profile(user=user, **form.cleaned_data)
        except EmailAlreadyInUse:
            user.refresh_from_db()
            return Response(
                {"email": ["Another account already uses this email address."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(MeSerializer(user).data)


def _address_save(save: Any, data: dict[str, Any]) -> tuple[Address | None, Any]:
    """Validate with the storefront's address form, then save through `save`."""
    form = AddressForm(data=data)
    if not form.is_valid():
        return None, form_errors(form)
    try:
        return save(**form.cleaned_data), None
    except ValidationError as error:
        return None, error.message_dict if hasattr(error, "error_dict") else {
            "non_field_errors": error.messages
        }


class AddressListApi(CustomerApi):
    @extend_schema(
        operation_id="me_addresses_list",
        responses={200: SavedAddressSerializer(many=True), **SIGNED_IN_ERRORS},
    )
    def get(self, request: Request) -> Response:
        addresses = address_list_for_user(user=self.customer())
        return Response(SavedAddressSerializer(addresses, many=True).data)

    @extend_schema(
        operation_id="me_addresses_create",
        request=SavedAddressWriteSerializer,
        responses={201: SavedAddressSerializer, 400: dict, **SIGNED_IN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = SavedAddressWriteSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        user = self.customer()
        address, errors = _address_save(
            lambda **fields: services.address_create(user=user, **fields),
            {"is_default": False, **body.validated_data},
        )
        if address is None:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            SavedAddressSerializer(address).data, status=status.HTTP_201_CREATED
        )


class AddressDetailApi(CustomerApi):
    def address(self, pk: str) -> Address:
        # Any path value reaches here, so that a bad id is a JSON 404 too.
        if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            raise Http404
        try:
            return address_get_for_user(user=self.customer(), pk=int(pk))
        except Address.DoesNotExist as error:
            raise Http404 from error  # someone else's: the same as missing

    @extend_schema(
        operation_id="me_addresses_read",
        responses={200: SavedAddressSerializer, 404: dict, **SIGNED_IN_ERRORS},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(SavedAddressSerializer(self.address(pk)).data)

    @extend_schema(
        operation_id="me_addresses_update",
        request=SavedAddressWriteSerializer(partial=True),
        responses={
            200: SavedAddressSerializer,
            400: dict,
            404: dict,
            **SIGNED_IN_ERRORS,
        },
    )
    def patch(self, request: Request, pk: str) -> Response:
        address = self.address(pk)
        body = SavedAddressWriteSerializer(data=_body(request), partial=True)
        body.is_valid(raise_exception=True)
        data = {**model_to_dict(address, fields=ADDRESS_FIELDS), **body.validated_data}
        saved, errors = _address_save(
            lambda **fields: services.address_update(address=address, **fields), data
        )
        if saved is None:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(SavedAddressSerializer(saved).data)

    @extend_schema(
        operation_id="me_addresses_delete",
        request=None,
        responses={204: None, 404: dict, **SIGNED_IN_ERRORS},
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.address_delete(address=self.address(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyCartApi(CustomerApi):
    """The customer's one active cart, the same on every device."""

    @extend_schema(
        operation_id="me_cart_read",
        responses={200: CartSerializer, **SIGNED_IN_ERRORS},
    )
    def get(self, request: Request) -> Response:
        return Response(
            CartSerializer.represent(cart_get_or_create_for_user(user=self.customer()))
        )

    @extend_schema(
        operation_id="me_cart_merge",
        request=CartMergeSerializer,
        responses={200: CartSerializer, 400: dict, **SIGNED_IN_ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Merge a guest cart of this device into the customer's cart."""
        body = CartMergeSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        user = self.customer()
        merged = cart_attach_guest(token=body.validated_data["cart_id"], user=user)
        cart = cart_get_by_token(token=merged.token) if merged else None
        if cart is None:
            cart = cart_get_or_create_for_user(user=user)
        return Response(CartSerializer.represent(cart))

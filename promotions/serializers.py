"""API shapes of promotions."""

from __future__ import annotations

from rest_framework import serializers


class VoucherCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, trim_whitespace=True)

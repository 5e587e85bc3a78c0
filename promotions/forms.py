from __future__ import annotations

from django import forms


class VoucherForm(forms.Form):
    code = forms.CharField(max_length=40, strip=True)

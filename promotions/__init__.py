"""Promotions: voucher codes and scheduled sales (see docs/architecture.md)."""

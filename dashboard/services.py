"""Writes of the dashboard app that are not jobs (see jobs.py for those)."""

from __future__ import annotations

from typing import Any

from .models import CustomerNote


def customer_note_add(*, customer: Any, author: Any, text: str) -> CustomerNote:
    """Record a staff note on a customer; blank notes are refused."""
    text = text.strip()
    if not text:
        raise ValueError("A note needs some text.")
    return CustomerNote.objects.create(
        customer=customer, author=author, author_label=author.get_username(), text=text
    )

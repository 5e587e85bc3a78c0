"""Text clean-up for what people type and others read (names, addresses)."""

from __future__ import annotations

import re

# Bidirectional embedding, override and isolate controls (and the implicit marks):
# they can make a name or an address read differently on a packing slip, in admin
# or in an email than what was stored ("Trojan Source"-style spoofing).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(value: str) -> str:
    return BIDI_CONTROLS.sub("", value)

"""Masking of personal numbers in anything printed for people (370402********123X, 138****5678)."""

from __future__ import annotations

import re

_LONG = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5,9})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)([-\s]?\d{4}[-\s]?)(\d{4})(?![0-9A-Za-z])")


def mask_numbers(text: str) -> str:
    """Mask ID-, card- and mobile-shaped digit runs; other text is unchanged."""
    text = _LONG.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _MOBILE.sub(lambda m: m.group(1) + re.sub(r"\d", "*", m.group(2)) + m.group(3), text)

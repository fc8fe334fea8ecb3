"""Masking of personal numbers in anything printed for people (370402********123X, 138****5678)."""

from __future__ import annotations

import re
from typing import Any

_LONG = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5,9})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)([-\s]?\d{4}[-\s]?)(\d{4})(?![0-9A-Za-z])")


def mask_numbers(text: str) -> str:
    """Mask ID-, card- and mobile-shaped digit runs; other text is unchanged."""
    text = _LONG.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    return _MOBILE.sub(lambda m: m.group(1) + re.sub(r"\d", "*", m.group(2)) + m.group(3), text)


_DIGIT = re.compile(r"[0-9０-９]")


def mask_value(text: str) -> str:
    """A matched personal value for people: every digit but the first 3 and the last 4 is
    ``*`` (a spaced, dashed or full-width number too, which ``mask_numbers`` leaves alone)."""
    digits = [m.start() for m in _DIGIT.finditer(text)]
    hide = set(digits[3:-4]) if len(digits) > 7 else set(digits[1:-1])
    return "".join("*" if i in hide else ch for i, ch in enumerate(text))


def mask_finding_text(text: str, context: str, personal: bool) -> tuple[str, str]:
    """(text, context) of a finding as printed for people: personal values masked inside the
    context as well; ID- and phone-shaped numbers masked everywhere."""
    if personal and text:
        shown = mask_value(text)
        return shown, mask_numbers(context.replace(text, shown))
    return mask_numbers(text), mask_numbers(context)


# Keys whose values are hashes, fingerprints or links — never personal numbers.
_NO_MASK_KEYS = frozenset(
    {"sha256", "fingerprint", "hash", "prev_hash", "url", "accepted", "confirmed"}
)


def mask_deep(obj: Any, key: str | None = None) -> Any:
    """Every string in a JSON-able value with personal numbers masked (hashes kept)."""
    if isinstance(obj, str):
        return obj if key in _NO_MASK_KEYS else mask_numbers(obj)
    if isinstance(obj, dict):
        return {k: mask_deep(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [mask_deep(v, key) for v in obj]
    return obj

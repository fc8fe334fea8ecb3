"""Findings by number: ``show`` numbers a version's findings, and ``review --dismiss 1,3``
(or ``2-4``) names them by those numbers instead of 20-digit fingerprints.

The number of a finding is its place in the version's findings ordered worst first (block,
review, info; the report's order within a severity) — the order ``show`` prints them in —
counted from 1. It depends only on the recorded report, so ``show``, the terminal review and
the review desk give the same finding the same number, whether or not ``show --all`` lists it.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from secreview.errors import UsageError

SEVERITY_ORDER = {"block": 0, "review": 1, "info": 2}
HEX_RE = re.compile(r"^[0-9a-f]+$")  # a fingerprint (20 hex digits) or a mistyped one
_RANGE_RE = re.compile(r"^(\d{1,6})\s*[-－~～至到]\s*(\d{1,6})$")
_NUMBER_RE = re.compile(r"^\d{1,6}$")
_SPLIT_RE = re.compile(r"[,，、;；\s]+")


def ordered(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings worst first (a stable sort: the report's order within a severity)."""
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(str(f.get("severity")), 3))


def numbered(findings: Sequence[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(number, finding) pairs, numbers from 1 in :func:`ordered` order."""
    return list(enumerate(ordered(findings), start=1))


def number_of(findings: Sequence[dict[str, Any]]) -> dict[str, int]:
    """fingerprint → number."""
    return {str(f.get("fingerprint", "")): n for n, f in numbered(findings)}


def parse_refs(text: str) -> list[str | int]:
    """``"1,3,5-7"`` → ``[1, 3, 5, 6, 7]``; fingerprints pass through as strings.

    Accepts Chinese separators (，、；), full-width digits and ranges written ``5-7``,
    ``5～7`` or ``5至7``. A token that is neither a number, a range nor a 20-digit
    fingerprint is a usage error naming it.
    """
    import unicodedata

    out: list[str | int] = []
    for raw in _SPLIT_RE.split(unicodedata.normalize("NFKC", text).strip()):
        token = raw.strip().lower()
        if not token:
            continue
        if _NUMBER_RE.match(token):
            out.append(int(token))
            continue
        m = _RANGE_RE.match(token)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise UsageError(f"问题编号范围「{raw}」写反了（应为小号在前，如 2-4）")
            if hi - lo >= 10_000:
                raise UsageError(f"问题编号范围「{raw}」过大")
            out.extend(range(lo, hi + 1))
            continue
        if HEX_RE.match(token):  # passed on: the core refuses one the version does not have
            out.append(token)
            continue
        raise UsageError(
            f"「{raw}」既不是问题编号（如 1,3 或 2-4，见 secreview show）也不是 20 位指纹"
        )
    if not out:
        raise UsageError("--dismiss 后须写问题编号（如 1,3 或 2-4）或指纹")
    return out


def resolve(
    findings: Sequence[dict[str, Any]], refs: Iterable[str | int], where: str = ""
) -> list[str]:
    """The fingerprints that numbers (and fingerprints) name, in the order given.

    A number beyond the version's findings is a usage error saying how many there are;
    a fingerprint is passed on as it is (the core refuses one the version does not have).
    """
    by_number = {n: str(f.get("fingerprint", "")) for n, f in numbered(findings)}
    out: list[str] = []
    for ref in refs:
        if isinstance(ref, int):
            fp = by_number.get(ref)
            if fp is None:
                total = len(by_number)
                scope = f"{where}只有" if where else "只有"
                raise UsageError(
                    f"没有第 {ref} 号问题：{scope} {total} 个问题（编号 1-{total}，见 secreview show）"
                    if total
                    else f"没有第 {ref} 号问题：{where or '该版本'}没有任何问题"
                )
            out.append(fp)
        else:
            out.append(ref)
    return out

"""Spreadsheet cells that cannot run: the one place formula injection is neutralised.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return
before one; also after leading spaces, which some importers trim, and in the full-width forms
an input method types) is taken as a formula by Excel, WPS and LibreOffice when a CSV is
opened —
``=HYPERLINK(…)`` in a document title would run on the inspector's machine. CSV cells get a
leading apostrophe (OWASP's advice); XLSX cells are written as strings with the quote-prefix
style, so the text shows unchanged and is never evaluated.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_LEADING_SPACE = " \u00a0\u3000"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (leading spaces ignored)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip(_LEADING_SPACE).startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``text`` safe for a CSV cell: a leading apostrophe when it looks like a formula."""
    return "'" + text if formula_like(text) else text

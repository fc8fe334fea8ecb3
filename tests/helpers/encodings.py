"""The encodings Chinese office text files come in, for extractor tests."""

from __future__ import annotations

import codecs


def encoded_variants(text: str) -> dict[str, bytes]:
    """``text`` as UTF-8 (with and without BOM), UTF-16 LE/BE with BOM, GB18030 and GBK."""
    return {
        "utf-8": text.encode("utf-8"),
        "utf-8-bom": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf-16-le-bom": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-16-be-bom": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "gb18030": text.encode("gb18030"),
        "gbk": text.encode("gbk"),
    }

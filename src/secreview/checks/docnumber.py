"""A probe, not a finding: notes the document's own number (文号, e.g. 某政发〔2024〕12号) for
the ledger and the printed 台账.

It runs with the other checks so the text is extracted once; it reports no findings and keeps
what it found in ``found``. What counts as the document's own number (GB/T 9704: the 发文字号
stands on its own line under the masthead, 签发人 beside it on documents to superiors):

1. a line of the first 200 segments that is a 文号 and nothing else (or ``文号：…`` /
   ``发文字号：…``, or the 文号 followed by ``签发人：…``) — a 文号 cited in running text
   ("根据《…的通知》（某政办发〔2017〕16号）") is another document's and is not taken;
2. else one in a metadata, custom-XML or form field (an OA system stores it there);
3. else (service.submit) one in the title given at submit, then in the file name.

Written forms accepted: the 六角括号 〔〕 and the brackets drafters type instead
(``[] ［］ () （） 【】 ﹝﹞ 〈〉``), spaces anywhere, ``第7号`` and leading zeros. The number is
recorded as written, spaces removed.
"""

from __future__ import annotations

import re

from secreview.checks import ScanContext
from secreview.model import Document, Finding

_OPEN = r"〔\[［(（【﹝〈<"
_CLOSE = r"〕\]］)）】﹞〉>"
DOC_NUMBER = (
    rf"[\u4e00-\u9fff]{{1,16}}\s*[{_OPEN}]\s*(?:19|20)\d{{2}}\s*[{_CLOSE}]\s*第?\s*\d{{1,5}}\s*号"
)
DOC_NUMBER_RE = re.compile(DOC_NUMBER)
_LINE_RE = re.compile(
    rf"^\s*(?:(?:发文字号|文号)\s*[:：]\s*)?(?P<n>{DOC_NUMBER})\s*(?:签发人\s*[:：].*)?$"
)
FIELD_PARTS = frozenset({"metadata", "custom_xml", "form_field"})
SEGMENTS = 200


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text)


def own_number(line: str) -> str | None:
    """The 文号 when ``line`` is one and nothing else (see the module docstring)."""
    m = _LINE_RE.match(line)
    return _clean(m.group("n")) if m else None


def number_in(text: str | None) -> str | None:
    """The first 文号 anywhere in ``text`` (a title, a file name, a metadata field)."""
    if not text:
        return None
    import unicodedata

    m = DOC_NUMBER_RE.search(unicodedata.normalize("NFKC", text))
    return _clean(m.group(0)) if m else None


class DocNumberProbe:
    name = "probe.doc_number"

    def __init__(self) -> None:
        self.found: str | None = None

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        for i, seg in enumerate(doc.segments[:SEGMENTS]):
            if seg.location.part in FIELD_PARTS:
                continue
            for line in ctx.normalized_text(i).splitlines():
                got = own_number(line)
                if got:
                    self.found = got
                    return []
        for i, seg in enumerate(doc.segments):
            if seg.location.part in FIELD_PARTS:
                got = number_in(ctx.normalized_text(i))
                if got:
                    self.found = got
                    return []
        return []

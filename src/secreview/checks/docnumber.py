"""A probe, not a finding: notes the document number (文号, e.g. 某政发〔2024〕12号) for the ledger.

It runs with the other checks so the text is extracted once; it reports no findings and keeps
the first document number it sees in ``found``.
"""

from __future__ import annotations

import re

from secreview.checks import ScanContext
from secreview.model import Document, Finding

DOC_NUMBER_RE = re.compile(
    r"[\u4e00-\u9fff]{1,16}[〔\[［(（](?:19|20)\d{2}[〕\]］)）]\s*\d{1,5}\s*号"
)


class DocNumberProbe:
    name = "probe.doc_number"

    def __init__(self) -> None:
        self.found: str | None = None

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        for i, _seg in enumerate(doc.segments[:200]):
            m = DOC_NUMBER_RE.search(ctx.normalized(i).text)
            if m:
                self.found = re.sub(r"\s+", "", m.group(0))
                break
        return []

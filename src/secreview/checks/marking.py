"""The secret-level marking (密级标志): 绝密/机密/秘密 + ★ + optional period.

Format per the 1990 marking rule and 实施条例 Art. 21: ``秘密★1年``, ``机密★10年``,
``绝密★长期``, ``秘密★6个月``; a bare ``机密★`` means the maximum period. ☆ and * (also
full-width ＊, which NFKC turns into *) are accepted because OCR and Word substitute them.
A bare "秘密" is not a marking.
"""

from __future__ import annotations

import re

from secreview.checks import ScanContext
from secreview.model import Document, Finding

MARKING_RE = re.compile(r"(绝密|机密|秘密)\s*[★☆*]\s*(?:\d+\s*(?:年|个月)|长期)?")

RULE_ID = "marking.secret_level"


class SecretLevelMarking:
    name = RULE_ID

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        out: list[Finding] = []
        for i, _seg in enumerate(doc.segments):
            norm = ctx.normalized(i)
            for m in MARKING_RE.finditer(norm.text):
                out.append(
                    ctx.finding(
                        i,
                        m.start(),
                        m.end(),
                        rule=RULE_ID,
                        category="state_secret",
                        severity="block",
                        reason=f"密级标志「{m.group(0)}」：标有国家秘密标志的信息不得公开",
                        basis="《保守国家秘密法》第二十二条；《政府信息公开条例》第十四条",
                    )
                )
        return out

"""Residue findings: one per kind of residue an extractor noted (DESIGN.md §1 "residue").

The recovered text is scanned by the rules like body text (its own segments); this check
adds the finding that tells the drafter what is hidden in the file and how to clean it.
"""

from __future__ import annotations

from secreview.checks import ScanContext, fingerprint
from secreview.model import Document, Finding


class ResidueCheck:
    name = "residue"

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        out: list[Finding] = []
        for note in doc.residue:
            rule = f"residue.{note.kind}"
            sample = " ".join(note.sample.split())[:80]
            out.append(
                Finding(
                    rule=rule,
                    category="residue",
                    severity=note.severity,
                    source="residue",
                    text=sample,
                    location=note.location,
                    context=sample,
                    reason=note.message,
                    fingerprint=fingerprint(rule, f"{note.kind}:{note.count}", note.location),
                    extra={"count": note.count},
                )
            )
        return out

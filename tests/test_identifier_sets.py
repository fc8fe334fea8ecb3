"""Generated personal numbers through the shipped rules (the full 10,000-per-kind run with its
table is bench/bench_identifiers.py): every valid number is found, no invalid one blocks."""

from __future__ import annotations

import pytest

from secreview.checks import ScanContext
from secreview.rules import RulesCheck, load_ruleset
from secreview.rules.selftest import one_segment_doc
from tests.helpers.identifier_sets import MAKERS, cases
from tests.test_rules_packs import SHIPPED

CHECK = RulesCheck(load_ruleset([SHIPPED]))
N = 400


def worst(text: str) -> str:
    doc = one_segment_doc(text)
    sev = [
        f.severity
        for f in CHECK.run(doc, ScanContext(doc))
        if f.category == "personal_info" and f.severity != "info"
    ]
    return "block" if "block" in sev else "review" if sev else ""


@pytest.mark.parametrize("kind", list(MAKERS))
def test_valid_found_and_invalid_never_block(kind: str) -> None:
    missed, blocked = [], []
    for case in cases(kind, N, seed=1):
        got = worst(case.text)
        if case.valid and not got:
            missed.append(case.text)
        if not case.valid and got == "block":
            blocked.append(case.text)
    assert missed == [] and blocked == []

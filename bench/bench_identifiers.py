"""Detection of generated personal numbers: ≥ 10,000 valid and 10,000 invalid of each kind
(resident ID, bank card, permit), each written plain / grouped / hyphenated / full-width,
with and without context words, through the shipped rules (allow-lists included).

valid found = a personal-information finding at review or block; invalid ones must never
be block (a mistyped number with an ID word may be "review": it is still a person's number).
The peer figure is python-stdnum's own validator on the compacted number (what a user would
otherwise run): it sees no context and no written form, so it is an upper bound for "valid".

Usage: .venv/bin/python bench/bench_identifiers.py [N_PER_SET]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from secreview.checks import ScanContext  # noqa: E402
from secreview.config import Config  # noqa: E402
from secreview.rules import load_ruleset, rules_check  # noqa: E402
from secreview.rules.selftest import one_segment_doc  # noqa: E402
from secreview.rules.validators import compact  # noqa: E402
from tests.helpers.identifier_sets import MAKERS, cases  # noqa: E402


def severity_of(check, text: str) -> str:  # noqa: ANN001
    doc = one_segment_doc(text)
    worst = ""
    for f in check.run(doc, ScanContext(doc)):
        if f.category == "personal_info" and f.severity in ("review", "block"):
            if f.severity == "block" or not worst:
                worst = f.severity
    return worst


def stdnum_says(kind: str, number: str) -> bool:
    v = compact(number)
    if kind == "card":
        return luhn.is_valid(v) if v.isdigit() else False
    return bool(ric.is_valid(v))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    check = rules_check(load_ruleset(Config().rules_dirs))
    print(f"{n} valid + {n} invalid numbers per kind, each with and without context words\n")
    head = (
        f"{'kind':8} {'context':8} {'valid found':>12} {'invalid block':>14} "
        f"{'invalid review':>15} {'stdnum valid':>13}  ms/case"
    )
    print(head)
    print("-" * len(head))
    for kind in MAKERS:
        stats: dict[tuple[bool, bool], Counter[str]] = {}
        t = time.perf_counter()
        total = 0
        for case in cases(kind, n):
            sev = severity_of(check, case.text)
            c = stats.setdefault((case.valid, case.context), Counter())
            c["n"] += 1
            c[sev or "none"] += 1
            c["stdnum"] += stdnum_says(kind, case.number)
            total += 1
        ms = 1000 * (time.perf_counter() - t) / max(1, total)
        for context in (True, False):
            ok, bad = stats[(True, context)], stats[(False, context)]
            found = (ok["review"] + ok["block"]) / ok["n"]
            print(
                f"{kind:8} {'with' if context else 'without':8} {100 * found:11.2f}% "
                f"{bad['block']:>14} {bad['review']:>15} {100 * ok['stdnum'] / ok['n']:12.2f}%"
                f"  {ms:.3f}"
            )


if __name__ == "__main__":
    main()

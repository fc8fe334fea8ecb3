"""Document-level false alarms on real published text (../shared/data), through the whole
pipeline (rules + residue + classifier): the share of documents that would NOT pass, for the
random sample and separately for its documents on the classifier's held-out side (never seen in
training; the training side may have had some of its paragraphs in the training set).

Usage: .venv/bin/python bench/eval_public_docs.py [N_PER_SET] [MODEL_DIR]
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from secreview.classify.corpus import SHARED_SOURCES, is_test, shared_group
from secreview.config import Config
from secreview.pipeline import scan_bytes

# ../shared/data next to the repository, or $SECREVIEW_SHARED_DATA, or $SECREVIEW_SHARED/data.
SHARED = Path(
    os.environ.get("SECREVIEW_SHARED_DATA")
    or Path(os.environ.get("SECREVIEW_SHARED") or Path(__file__).resolve().parents[2] / "shared")
    / "data"
)
# Every real public source of ../shared/data (each record's ``text`` is one published item;
# tipdm-replies: the government's reply only, never the citizen's message).
SETS = {
    "gov-work-reports": "gov-work-reports/gov_work_reports.jsonl",
    "lawrefbook": "lawrefbook/lawrefbook.jsonl",
    "xinwenlianbo": "xinwenlianbo/xinwenlianbo.jsonl",
    "tipdm-replies": "tipdm-replies/tipdm_replies.jsonl",
    "bjtcm-notices": "bjtcm-notices/bjtcm_notices.jsonl",
}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    config = Config() if len(sys.argv) < 3 else replace(Config(), model_dir=Path(sys.argv[2]))
    for name, rel in SETS.items():
        path = SHARED / rel
        if not path.exists():
            print(f"{name}: {path} missing, skipped")
            continue
        records = [json.loads(line) for line in path.open(encoding="utf-8")]
        random.Random(7).shuffle(records)
        records = records[:n]
        src = next((x for x in SHARED_SOURCES if x.name == name), None)
        held = [src is not None and is_test(shared_group(src, rec)) for rec in records]
        held_not_pass = 0
        verdicts: Counter[str] = Counter()
        rules: Counter[str] = Counter()
        examples: list[str] = []
        t = time.perf_counter()
        size = 0
        for rec, h in zip(records, held, strict=True):
            data = rec["text"].encode("utf-8")
            size += len(data)
            report = scan_bytes(data, f"{rec['id']}.txt", config)
            verdicts[report.verdict] += 1
            held_not_pass += h and report.verdict != "pass"
            for f in report.findings:
                if f.severity != "info":
                    rules[f.rule] += 1
                    if len(examples) < 12:
                        examples.append(f"{f.rule}: {f.text[:60]}")
        dt = time.perf_counter() - t
        not_pass = len(records) - verdicts["pass"]
        print(
            f"{name}: {len(records)} documents, {not_pass} not pass "
            f"({100 * not_pass / max(1, len(records)):.1f} %), {dict(verdicts)}; "
            f"{size / 1e6 / dt:.2f} MB/s"
        )
        n_held = sum(held)
        if src is None:
            print("  (not a classifier training source: every document is unseen)")
        else:
            print(
                f"  held-out documents (never trained on): {held_not_pass} of {n_held} not pass "
                f"({100 * held_not_pass / max(1, n_held):.1f} %)"
            )
        print("  findings above info by rule:", dict(rules.most_common(10)))
        for e in examples:
            print("   ", e)


if __name__ == "__main__":
    main()

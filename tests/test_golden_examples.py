"""Golden reports for the sample documents in examples/ (rules and residue; the classifier,
whose scores move with every retraining, is tested on its own).

A diff of tests/golden/*.json is easier to review than asserts. After an intended change:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_examples.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secreview.config import Config
from secreview.pipeline import expand_paths, scan_file
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = expand_paths([EXAMPLES], recursive=True)  # what `scan -r examples/` reads


def _report(path: Path) -> dict:
    report = scan_file(path, Config(use_classifier=False)).to_dict()
    report["path"] = path.relative_to(REPO).as_posix()
    del report["sha256"]  # scripts/build_examples.py rebuilds with new timestamps
    return report


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_report_matches_golden(path: Path) -> None:
    got = _report(path)
    golden = GOLDEN / (path.relative_to(EXAMPLES).as_posix().replace("/", "__") + ".json")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert golden.exists(), f"no golden report {golden.name}: run with UPDATE_GOLDEN=1"
    assert got == json.loads(golden.read_text("utf-8"))


def test_every_sample_has_a_golden_report() -> None:
    names = {p.relative_to(EXAMPLES).as_posix().replace("/", "__") + ".json" for p in SAMPLES}
    assert names == {p.name for p in GOLDEN.glob("*.json")}

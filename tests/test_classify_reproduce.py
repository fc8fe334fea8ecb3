"""`secreview train` on a clean checkout reproduces the shipped models/default (issues 6, 10).

Training is byte-deterministic for the same inputs and library versions; constraints.txt pins
the versions the shipped model was trained with (recorded in its card). When the reproduction
fails, the message names each library whose version differs from the card's record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.classify.environment import library_versions, version_differences
from secreview.cli import main
from tests.conftest import REPO, SHARED_DATA

SHIPPED = REPO / "models" / "default"
CARD_FILES = ("model_card.json", "model_card.md")  # these record the environment itself


@pytest.mark.slow
def test_train_reproduces_the_shipped_model(tmp_path: Path) -> None:
    if not (SHARED_DATA / "lawrefbook").is_dir():
        pytest.skip(f"../shared/data not present here ({SHARED_DATA}): the shipped model uses it")
    out = tmp_path / "model"
    result = CliRunner().invoke(
        main,
        [
            "train",
            "--corpus",
            str(REPO / "corpus"),
            "--shared",
            str(SHARED_DATA),
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text("utf-8"))
    shipped = json.loads((SHIPPED / "model_card.json").read_text("utf-8"))
    assert "environment" in shipped, "the shipped model card records no library versions"
    drift = version_differences(shipped["environment"], library_versions())
    why = (
        f"; these libraries differ from the shipped model's training environment: {drift}"
        if drift
        else " although every training library has the version the shipped model recorded"
    )
    for key in ("held_out", "cv_5fold_grouped", "thresholds", "false_alarms", "data"):
        assert card[key] == shipped[key], f"{key} differs{why}"  # metrics rounded to 4 places
    got = json.loads((out / "manifest.json").read_text("utf-8"))["files"]
    want = json.loads((SHIPPED / "manifest.json").read_text("utf-8"))["files"]
    assert sorted(got) == sorted(want)
    for name in sorted(want):
        if name not in CARD_FILES:
            assert got[name] == want[name], f"{name} differs{why}"
    if not drift:
        assert (out / "manifest.json").read_bytes() == (SHIPPED / "manifest.json").read_bytes()


def test_version_differences_names_each_library() -> None:
    recorded = {"scikit-learn": "1.6.1", "numpy": "2.4.6", "python": "3.11"}
    running = {"scikit-learn": "1.9.1", "numpy": "2.4.6", "python": "3.11"}
    assert version_differences(recorded, running) == ["scikit-learn 1.6.1 → 1.9.1"]
    assert version_differences(running, running) == []
    assert set(library_versions()) >= {"scikit-learn", "numpy", "scipy", "jieba", "python"}

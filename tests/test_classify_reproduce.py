"""`secreview train` on a clean checkout reproduces the shipped models/default (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.cli import main
from tests.conftest import REPO, SHARED_DATA

SHIPPED = REPO / "models" / "default"


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
    for key in ("held_out", "cv_5fold_grouped", "thresholds", "false_alarms", "data"):
        assert card[key] == shipped[key], key  # metrics are stored rounded to 4 decimals
    assert (out / "manifest.json").read_bytes() == (SHIPPED / "manifest.json").read_bytes()

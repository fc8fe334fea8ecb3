from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.config import Config

REPO = Path(__file__).resolve().parent.parent
# ../shared next to the repository; SECREVIEW_SHARED (or SECREVIEW_SHARED_DATA for the data
# folder itself) points elsewhere, e.g. from a git worktree.
SHARED = Path(os.environ.get("SECREVIEW_SHARED", REPO.parent / "shared"))
SHARED_DATA = Path(os.environ.get("SECREVIEW_SHARED_DATA") or SHARED / "data")


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data not present here ({path} missing)")
    return path


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.config import Config

REPO = Path(__file__).resolve().parent.parent
# ../shared next to the checkout (or next to the worktrees folder, for a git worktree).
SHARED = next(
    (p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()),
    REPO.parent / "shared",
)
SHARED_DATA = SHARED / "data"


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

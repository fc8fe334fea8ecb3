from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.config import Config

REPO = Path(__file__).resolve().parent.parent

# A secreview.toml in the developer's own config folder must not change test results
# (settings.py reads $XDG_CONFIG_HOME/secreview/secreview.toml); subprocesses inherit this.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="secreview-test-config-")
os.environ.pop("SECREVIEW_CONFIG", None)
# ../shared next to the repository; SECREVIEW_SHARED (or SECREVIEW_SHARED_DATA for the data
# folder itself) points elsewhere, e.g. from a git worktree.
SHARED = Path(os.environ.get("SECREVIEW_SHARED", REPO.parent / "shared"))
SHARED_DATA = Path(os.environ.get("SECREVIEW_SHARED_DATA") or SHARED / "data")

# Nothing a test does may touch the real ~/.secreview (the auditor's checkpoint file): a
# session-wide fallback here, and each test gets its own home (a machine of its own) below.
os.environ["SECREVIEW_HOME"] = tempfile.mkdtemp(prefix="secreview-home-")
os.environ.pop("SECREVIEW_PASSPHRASE", None)
os.environ.pop("SECREVIEW_CHECKPOINTS", None)


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with a reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data not present here ({path} missing)")
    return path


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's $SECREVIEW_HOME (where `ledger checkpoint` keeps its file)."""
    home = tmp_path / "home"
    monkeypatch.setenv("SECREVIEW_HOME", str(home))
    return home


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def office_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with the users of tests/helpers/ledger.py OFFICE, set up once via the CLI."""
    from tests.helpers.ledger import setup_office

    db = tmp_path_factory.mktemp("office") / "template.db"
    setup_office(CliRunner(), db)
    return db


@pytest.fixture(scope="session")
def audit_built(office_template: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The office ledger with six items in every state (tests/helpers/audit_ledger.py),
    built once through the CLI; copy it (copy_ledger) before writing to it."""
    from tests.helpers.audit_ledger import build_items
    from tests.helpers.ledger import copy_ledger

    folder = tmp_path_factory.mktemp("audit")
    db = copy_ledger(office_template, folder / "台账.db")
    return db, build_items(CliRunner(), db, folder)


@pytest.fixture
def office(tmp_path: Path, office_template: Path) -> Path:
    """A fresh copy of the office ledger (SQLite file + blob folder) under tmp_path."""
    from tests.helpers.ledger import copy_ledger

    return copy_ledger(office_template, tmp_path / "台账.db")

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
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


# -- PostgreSQL ---------------------------------------------------------------------------------
# SECREVIEW_TEST_PG (set by .ci/run): a server URL whose user may CREATE DATABASE. Unset: a
# throwaway cluster is started here when Debian's binaries are installed, else the tests that
# need PostgreSQL skip with the reason.


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("SECREVIEW_TEST_PG")
    if url:
        yield url
        return
    from tests.helpers import pg

    why = pg.why_unavailable()
    if why is not None:
        pytest.skip(f"PostgreSQL not available: {why} (or set SECREVIEW_TEST_PG)")
    cluster = pg.Cluster().start()
    try:
        pg.wait_for(cluster.url())
        yield cluster.url()
    finally:
        cluster.stop()


def _db_url(server: str, name: str) -> str:
    """The server URL with another database name."""
    from urllib.parse import urlsplit

    return urlsplit(server)._replace(path=f"/{name}").geturl()


def _create_db(server: str, template: str | None = None) -> str:
    import uuid

    import psycopg

    name = f"secreview_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        tpl = f" TEMPLATE {template}" if template else ""
        conn.execute(f"CREATE DATABASE {name}{tpl}")  # type: ignore[arg-type]
    return name


def _drop_db(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


@pytest.fixture
def pg_db(pg_server: str) -> Iterator[str]:
    """A fresh empty database on the test server (its URL, as --db takes it)."""
    name = _create_db(pg_server)
    try:
        yield _db_url(pg_server, name)
    finally:
        _drop_db(pg_server, name)


@pytest.fixture(scope="session")
def pg_office_template(pg_server: str) -> Iterator[str]:
    """A database holding office 测试局 with the users of tests/helpers/ledger.py OFFICE."""
    from tests.helpers.backends import PG_OFFICE
    from tests.helpers.ledger import setup_office

    name = _create_db(pg_server)
    setup_office(CliRunner(), _db_url(pg_server, name), PG_OFFICE)
    try:
        yield name
    finally:
        _drop_db(pg_server, name)


@pytest.fixture
def pg_office(pg_server: str, pg_office_template: str) -> Iterator[str]:
    """A fresh copy of the office ledger in PostgreSQL (CREATE DATABASE … TEMPLATE)."""
    name = _create_db(pg_server, pg_office_template)
    try:
        yield _db_url(pg_server, name)
    finally:
        _drop_db(pg_server, name)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def office_db(backend: str, request: pytest.FixtureRequest) -> Path | str:
    """The office ledger on each backend: a SQLite file, or a PostgreSQL URL."""
    if backend == "sqlite":
        return request.getfixturevalue("office")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_office")  # type: ignore[no-any-return]

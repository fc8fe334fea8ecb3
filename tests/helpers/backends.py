"""The ledger under test on either backend: a SQLite file (a Path) or a PostgreSQL database
(a ``postgresql://`` URL, as ``--db`` takes it). Raw access goes around the code under test —
the tamper tests use it as the database's owner would."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Db = Path | str

PG_OFFICE = "测试局"  # the office of the PostgreSQL test ledgers


def is_pg(db: Db) -> bool:
    return isinstance(db, str) and db.startswith("postgresql://")


class Raw:
    """A direct connection in autocommit mode; ``?`` placeholders on both backends."""

    def __init__(self, db: Db) -> None:
        self.db = db
        if is_pg(db):
            import psycopg

            self.pg = psycopg.connect(str(db), autocommit=True)
            self.lite: sqlite3.Connection | None = None
        else:
            self.lite = sqlite3.connect(db, isolation_level=None)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.lite is not None:
            return self.lite.execute(sql, params)
        return self.pg.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def triggers(self) -> list[str]:
        if self.lite is not None:
            from secreview.ledger.sqlite import MIGRATIONS

            return [s for s in MIGRATIONS[0][2] if "CREATE TRIGGER" in s]
        from secreview.ledger.postgres import MIGRATIONS as PG

        return [s for s in PG[0][2] if "CREATE TRIGGER" in s and " ON events" in s]

    def drop_triggers(self) -> None:
        on = "" if self.lite is not None else " ON events"
        for name in ("events_no_update", "events_no_delete", "events_no_truncate"):
            if self.lite is not None and name == "events_no_truncate":
                continue
            self.execute(f"DROP TRIGGER IF EXISTS {name}{on}")

    def restore_triggers(self) -> None:
        for sql in self.triggers():
            self.execute(sql)

    def close(self) -> None:
        if self.lite is not None:
            self.lite.close()
        else:
            self.pg.close()


@contextmanager
def raw(db: Db, restore_triggers: bool = True) -> Iterator[Raw]:
    """The database opened directly; triggers dropped meanwhile (a careful attacker puts them
    back afterwards)."""
    conn = Raw(db)
    conn.drop_triggers()
    try:
        yield conn
    finally:
        if restore_triggers:
            conn.restore_triggers()
        conn.close()


@contextmanager
def plain(db: Db) -> Iterator[Raw]:
    """The database opened directly, nothing changed."""
    conn = Raw(db)
    try:
        yield conn
    finally:
        conn.close()


def head(db: Db) -> tuple[int, str]:
    """(event count, head hash) read directly, independent of the code under test."""
    with plain(db) as conn:
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return int(count), row[1] if row else ""


def insert_row(conn: Raw, row: tuple[Any, ...]) -> None:
    """INSERT one raw event row (the office column too, in PostgreSQL)."""
    cols = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash, sig"
    if conn.lite is not None:
        conn.execute(f"INSERT INTO events({cols}) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
    else:
        conn.execute(
            f"INSERT INTO events(office, {cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", (PG_OFFICE, *row)
        )


def config_for(db: Db) -> Any:
    """A Config naming this ledger (the core's own way to open it)."""
    from secreview.config import Config

    if is_pg(db):
        return Config(db_url=str(db))
    return Config(db_path=Path(db), db_url=None)


def tamper_blob(db: Db, sha: str, old: bytes, new: bytes) -> None:
    """Change an archived file's bytes behind the program's back."""
    if not is_pg(db):
        import os

        from secreview.ledger.blobs import blob_dir_for

        blob = blob_dir_for(Path(db)) / sha[:2] / sha[2:]
        os.chmod(blob, 0o644)
        blob.write_bytes(blob.read_bytes().replace(old, new))
        return
    from secreview.ledger.postgres import MIGRATIONS as PG

    with plain(db) as conn:
        conn.execute("DROP TRIGGER blob_chunks_no_change ON blob_chunks")
        data = bytes(
            conn.execute(
                "SELECT data FROM blob_chunks WHERE sha256 = ? AND n = 0", (sha,)
            ).fetchone()[0]
        )
        conn.execute(
            "UPDATE blob_chunks SET data = ? WHERE sha256 = ? AND n = 0",
            (data.replace(old, new), sha),
        )
        conn.execute(next(s for s in PG[0][2] if "blob_chunks_no_change" in s))


def _server_and_name(db: str) -> tuple[str, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(db)
    return parts._replace(path="/postgres").geturl(), parts.path.lstrip("/")


def backup(db: Db, dest: Path) -> Db:
    """A copy of the whole ledger as it is now (a file copy; a template database)."""
    if not is_pg(db):
        import shutil

        shutil.copy2(db, dest)
        return dest
    import psycopg

    server, name = _server_and_name(str(db))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}_bak TEMPLATE {name}")  # type: ignore[arg-type]
    return f"{name}_bak"


def restore(db: Db, copy: Db) -> None:
    """Put the older copy back in the ledger's place."""
    if not is_pg(db):
        import shutil

        shutil.copy2(copy, db)
        return
    import psycopg

    server, name = _server_and_name(str(db))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")  # type: ignore[arg-type]
        conn.execute(f"ALTER DATABASE {copy} RENAME TO {name}")  # type: ignore[arg-type]

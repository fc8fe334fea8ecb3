"""All SQL of the ledger lives here, behind the small :class:`Storage` protocol.

The workflow and service code talk only to the protocol, so a PostgreSQL backend (many offices
on one ledger) can implement the same methods without touching them. :class:`SQLiteStorage` is
the embedded default:

- ``events`` is append-only: triggers RAISE on UPDATE and DELETE; each row carries the hash of
  the previous one (see chain.py).
- Journal mode WAL, ``busy_timeout`` 30 s, and every append inside ``BEGIN IMMEDIATE`` so
  concurrent CLI processes queue for the write lock instead of failing or interleaving.
- ``synchronous=FULL``: in WAL mode NORMAL may lose the last commits on power loss (the WAL is
  not fsynced at commit); a committed ledger event must survive a power cut, so every commit
  is fsynced.
- Projection tables (users, submissions, versions) are derived from events in the same
  transaction as the append and can be rebuilt from the events at any time.
- ``schema_version`` + :data:`MIGRATIONS`: each migration runs once, in order.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from secreview.errors import Refused, UsageError
from secreview.ledger.chain import GENESIS, RawRow, canonical, canonical_event, event_hash
from secreview.model import Event

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000

# (version, description, statements). Append new migrations; never edit an applied one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "events log, append-only triggers, projections",
        [
            """CREATE TABLE events (
                seq INTEGER PRIMARY KEY,
                ts TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                submission_id TEXT,
                version INTEGER,
                payload TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )""",
            "CREATE INDEX events_submission ON events(submission_id, seq)",
            "CREATE INDEX events_action ON events(action, seq)",
            """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
               BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END""",
            """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
               BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END""",
            """CREATE TABLE users (
                name TEXT PRIMARY KEY,
                roles TEXT NOT NULL,
                depts TEXT NOT NULL,
                active INTEGER NOT NULL,
                updated_seq INTEGER NOT NULL
            )""",
            """CREATE TABLE submissions (
                id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                dept TEXT NOT NULL,
                drafter TEXT NOT NULL,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                verdict TEXT NOT NULL,
                waiting_for TEXT,
                updated_seq INTEGER NOT NULL,
                updated_ts TEXT NOT NULL
            )""",
            "CREATE INDEX submissions_status ON submissions(status)",
            """CREATE TABLE versions (
                submission_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                status TEXT NOT NULL,
                PRIMARY KEY (submission_id, version)
            )""",
            "CREATE INDEX versions_sha ON versions(sha256)",
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ],
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

_EVENT_COLS = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash"


@dataclass(frozen=True)
class SubmissionRow:
    """Projection of one submission's current state (for queue and listings)."""

    id: str
    title: str
    dept: str
    drafter: str
    version: int
    status: str
    verdict: str
    waiting_for: str | None
    updated_seq: int
    updated_ts: str


class Storage(Protocol):
    """What the service needs from a ledger backend."""

    def write(self) -> AbstractContextManager[Storage]:
        """A write transaction; appends inside it are serialised across processes."""
        ...

    def head(self) -> tuple[int, str]: ...

    def append(
        self,
        actor: str,
        action: str,
        submission_id: str | None,
        version: int | None,
        payload: dict[str, Any],
        ts: str | None = None,
    ) -> Event: ...

    def events_for(self, submission_id: str) -> list[Event]: ...

    def events_with_actions(self, actions: Iterable[str]) -> list[Event]: ...

    def iter_events(self) -> Iterator[Event]: ...

    def iter_raw(self) -> Iterator[RawRow]: ...

    def reading(self) -> AbstractContextManager[Storage]: ...

    def iter_blob_refs(self, actions: Iterable[str]) -> Iterator[tuple[int, object]]: ...

    def next_submission_id(self, year: int) -> str: ...

    def put_user(
        self, name: str, roles: list[str], depts: list[str], active: bool, seq: int
    ) -> None: ...

    def list_users(self) -> list[dict[str, Any]]: ...

    def put_submission(self, row: SubmissionRow, versions: dict[int, tuple[str, str]]) -> None: ...

    def list_submissions(self, statuses: Iterable[str] | None = None) -> list[SubmissionRow]: ...

    def versions_with_sha(self, sha256: str) -> list[tuple[str, int]]: ...

    def clear_projections(self) -> None: ...

    def projection_seq(self) -> int: ...

    def set_projection_seq(self, seq: int) -> None: ...

    def close(self) -> None: ...


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row_event(row: RawRow) -> Event:
    seq, ts, actor, action, sid, version, payload, _prev, digest = row
    return Event(seq, ts, actor, action, sid, version, json.loads(payload), digest)


class SQLiteStorage:
    """The embedded SQLite ledger."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        if not create and not path.exists():
            raise UsageError(
                f"台账不存在：{path}（请先运行 secreview init，或用 --db 指定台账文件）",
                code="no_ledger",
            )
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
            )
            self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("journal_mode is %s, not WAL", mode)
            # FULL: every commit is fsynced, so a committed event survives power loss
            # (NORMAL in WAL mode can drop the last transactions on a power cut).
            self._conn.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise UsageError(
                f"无法打开台账 {path}：{e}（不是有效的台账文件？）", code="bad_ledger"
            ) from e
        self._in_tx = False
        self._in_read = False
        self._head: tuple[int, str] | None = None

    # -- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)"
            )
            current = conn.execute(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version"
            ).fetchone()[0]
            if current > SCHEMA_VERSION:
                raise UsageError(
                    f"台账结构版本 {current} 高于本程序支持的 {SCHEMA_VERSION}，请升级 secreview",
                    code="schema_too_new",
                )
            for version, description, statements in MIGRATIONS:
                if version <= current:
                    continue
                for sql in statements:
                    conn.execute(sql)
                conn.execute(
                    "INSERT INTO schema_version(version, applied_at, description) VALUES (?,?,?)",
                    (version, utc_now(), description),
                )
                log.info("ledger migrated to schema %d", version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        return int(self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # -- transactions -----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[SQLiteStorage]:
        if self._in_tx:
            yield self
            return
        if self._in_read:
            raise RuntimeError("write inside a read snapshot")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise Refused(f"台账正被占用，{BUSY_TIMEOUT_MS // 1000} 秒内未能写入：{e}") from e
        self._in_tx = True
        self._head = None
        try:
            yield self
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False
            self._head = None

    # -- events -----------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        if self._in_tx and self._head is not None:
            return self._head
        row = self._conn.execute(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        head = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
        if self._in_tx:
            self._head = head
        return head

    def append(
        self,
        actor: str,
        action: str,
        submission_id: str | None,
        version: int | None,
        payload: dict[str, Any],
        ts: str | None = None,
    ) -> Event:
        if not self._in_tx:
            raise RuntimeError("append outside a write transaction")
        seq, prev = self.head()
        seq += 1
        ts = ts or utc_now()
        text = canonical(payload)
        digest = event_hash(
            prev, canonical_event(seq, ts, actor, action, submission_id, version, text)
        )
        self._conn.execute(
            f"INSERT INTO events({_EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?,?)",
            (seq, ts, actor, action, submission_id, version, text, prev, digest),
        )
        self._head = (seq, digest)
        return Event(seq, ts, actor, action, submission_id, version, payload, digest)

    def events_for(self, submission_id: str) -> list[Event]:
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE submission_id = ? ORDER BY seq",
            (submission_id,),
        ).fetchall()
        return [_row_event(r) for r in rows]

    def events_with_actions(self, actions: Iterable[str]) -> list[Event]:
        acts = list(actions)
        marks = ",".join("?" * len(acts))
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE action IN ({marks}) ORDER BY seq", acts
        ).fetchall()
        return [_row_event(r) for r in rows]

    def iter_events(self) -> Iterator[Event]:
        for row in self.iter_raw():
            yield _row_event(row)

    def iter_raw(self) -> Iterator[RawRow]:
        # The cursor itself: iterating it is C code, no generator layer (verify's hot loop).
        return self._conn.execute(f"SELECT {_EVENT_COLS} FROM events ORDER BY seq")  # type: ignore[no-any-return]

    @contextmanager
    def reading(self) -> Iterator[SQLiteStorage]:
        """One snapshot for several reads (WAL: writers are not blocked meanwhile)."""
        if self._in_tx or self._in_read:
            yield self
            return
        self._conn.execute("BEGIN")
        self._in_read = True
        try:
            yield self
        finally:
            self._in_read = False
            self._conn.execute("COMMIT")

    def iter_blob_refs(self, actions: Iterable[str]) -> Iterator[tuple[int, object]]:
        acts = list(actions)
        marks = ",".join("?" * len(acts))
        sql = f"SELECT seq, {{}} FROM events WHERE action IN ({marks}) ORDER BY seq"
        try:
            cur = self._conn.execute(
                sql.format(
                    "CASE WHEN json_valid(payload) THEN json_extract(payload, '$.sha256') END"
                ),
                acts,
            )
        except sqlite3.OperationalError:  # SQLite built without JSON functions
            for seq, payload in self._conn.execute(sql.format("payload"), acts):
                try:
                    yield seq, json.loads(payload).get("sha256")
                except (ValueError, AttributeError):
                    yield seq, None
            return
        yield from cur

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def next_submission_id(self, year: int) -> str:
        row = self._conn.execute(
            "SELECT MAX(CAST(substr(submission_id, 6) AS INTEGER)) FROM events "
            "WHERE action = 'submit' AND submission_id LIKE ?",
            (f"{year:04d}-%",),
        ).fetchone()
        return f"{year:04d}-{(row[0] or 0) + 1:04d}"

    # -- projections ------------------------------------------------------------------------

    def put_user(
        self, name: str, roles: list[str], depts: list[str], active: bool, seq: int
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO users(name, roles, depts, active, updated_seq) VALUES (?,?,?,?,?)",
            (name, json.dumps(roles), json.dumps(depts, ensure_ascii=False), int(active), seq),
        )

    def list_users(self) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT name, roles, depts, active FROM users ORDER BY name"
        ).fetchall()
        return [
            {"name": n, "roles": json.loads(r), "depts": json.loads(d), "active": bool(a)}
            for n, r, d, a in rows
        ]

    def put_submission(self, row: SubmissionRow, versions: dict[int, tuple[str, str]]) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO submissions(id, title, dept, drafter, version, status, verdict,"
            " waiting_for, updated_seq, updated_ts) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                row.id,
                row.title,
                row.dept,
                row.drafter,
                row.version,
                row.status,
                row.verdict,
                row.waiting_for,
                row.updated_seq,
                row.updated_ts,
            ),
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO versions(submission_id, version, sha256, status) VALUES (?,?,?,?)",
            [(row.id, v, sha, status) for v, (sha, status) in versions.items()],
        )

    def list_submissions(self, statuses: Iterable[str] | None = None) -> list[SubmissionRow]:
        sql = (
            "SELECT id, title, dept, drafter, version, status, verdict, waiting_for, updated_seq,"
            " updated_ts FROM submissions"
        )
        args: list[str] = []
        if statuses is not None:
            args = list(statuses)
            sql += f" WHERE status IN ({','.join('?' * len(args))})"
        rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [SubmissionRow(*r) for r in rows]

    def versions_with_sha(self, sha256: str) -> list[tuple[str, int]]:
        rows = self._conn.execute(
            "SELECT submission_id, version FROM versions WHERE sha256 = ? ORDER BY submission_id, version",
            (sha256,),
        ).fetchall()
        return [(str(s), int(v)) for s, v in rows]

    def clear_projections(self) -> None:
        for table in ("users", "submissions", "versions"):
            self._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    def projection_seq(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'projection_seq'").fetchone()
        return int(row[0]) if row else 0

    def set_projection_seq(self, seq: int) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('projection_seq', ?)", (str(seq),)
        )

    def close(self) -> None:
        self._conn.close()

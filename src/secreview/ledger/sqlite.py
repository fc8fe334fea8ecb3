"""The embedded SQLite ledger: one office's chain in one file (:class:`SQLiteStorage`).

It implements :class:`~secreview.ledger.storage.Storage` — it only stores and reads rows; the
chain and the signatures are computed above it (chain.py). All of SQLite lives in this module:
every ``sqlite3`` error is wrapped here in :class:`~secreview.errors.StorageError`.

- ``events`` is append-only: triggers RAISE on UPDATE and DELETE (:meth:`SQLiteStorage.self_check`
  reports them missing); each row carries the previous hash, its own hash and its signature.
- Created owner-only: the database file (and so its -wal/-shm files) 0600.
- Journal mode WAL, ``busy_timeout`` 30 s, and every append inside ``BEGIN IMMEDIATE`` so
  concurrent CLI processes queue for the write lock instead of failing or interleaving.
- ``synchronous=FULL``: in WAL mode NORMAL may lose the last commits on power loss (the WAL is
  not fsynced at commit); a committed ledger event must survive a power cut, so every commit
  is fsynced.
- Projection tables (users, submissions, versions) are derived from events in the same
  transaction as the append and can be rebuilt from the events at any time.
- ``auth_failures`` (wrong passphrases, for slowing down guessing) is not part of the chain;
  a summary is signed into the chain by the user's next action.
- ``schema_version`` + :data:`MIGRATIONS`: each migration runs once, in order.
- Read-only: a ledger whose file or folder is not writable (an inspector's copy, a medium
  mounted read-only) is opened read-only — ``verify``, ``show``, ``queue``, ``check`` and
  ``audit`` work; every write raises :class:`ReadOnlyLedger` saying so.
- A write that fails for want of space (or any SQLite error) is rolled back and raised as the
  core's own error (ledger/space.py: 磁盘空间不足), never a driver message such as "cannot
  rollback - no transaction is active" that hides the cause.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import astuple
from pathlib import Path
from typing import Any

from secreview.errors import LedgerBusy, ReadOnlyLedger, Refused, StorageError, UsageError
from secreview.ledger import space
from secreview.ledger.canonical import GENESIS
from secreview.ledger.storage import SubmissionRow, guard_errors, row_event, sha_in, utc_now
from secreview.model import Event, RawRow

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
    (
        2,
        "signed events (sig column), wrong-passphrase log",
        [
            "ALTER TABLE events ADD COLUMN sig TEXT NOT NULL DEFAULT ''",
            """CREATE TABLE auth_failures (
                name TEXT NOT NULL,
                ts TEXT NOT NULL
            )""",
            "CREATE INDEX auth_failures_name ON auth_failures(name, ts)",
        ],
    ),
]
TRIGGERS = ("events_no_update", "events_no_delete")
SCHEMA_VERSION = MIGRATIONS[-1][0]

_EVENT_COLS = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash, sig"


FETCH = 4096


def _wrap(e: sqlite3.Error, path: Path | None = None) -> StorageError:
    """A driver error as the core's: busy, 磁盘空间不足 / 只读 with the cause (space.py),
    else its text."""
    text = str(e)
    if isinstance(e, sqlite3.OperationalError) and "locked" in text:
        return LedgerBusy(f"台账正被占用，{BUSY_TIMEOUT_MS // 1000} 秒内未能写入：{text}")
    if path is not None:
        mapped = space.from_sqlite(e, path)
        if mapped is not None:
            return mapped
    return StorageError(f"台账数据库操作失败，未写入任何记录：{text}")


guarded = guard_errors(sqlite3.Error, lambda e, owner: _wrap(e, getattr(owner, "path", None)))


def _rows(cur: sqlite3.Cursor) -> Iterator[Any]:
    """A cursor's rows in chunks, its errors wrapped (verify's hot loop: one cheap layer)."""
    while True:
        try:
            chunk = cur.fetchmany(FETCH)
        except sqlite3.Error as e:
            raise _wrap(e) from e
        if not chunk:
            return
        yield from chunk


def writable(path: Path) -> bool:
    """Whether this process may write the ledger file and create files beside it (a
    read-only mount says no, also to root)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _read_only_uri(path: Path) -> str:
    """How SQLite opens a ledger it may not write. With the WAL's index (-shm) present it
    reads the WAL too; without a WAL (or an empty one) the file is all there is and is
    opened ``immutable`` (no lock or index files to create). A WAL with content but no
    index cannot be read reliably from a read-only folder: refused rather than read stale."""
    from urllib.parse import quote

    base = "file:" + quote(str(path.resolve())) + "?mode=ro"
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    if wal.exists() and wal.stat().st_size > 0:
        if shm.exists():
            return base
        raise ReadOnlyLedger(
            f"台账 {path} 只能读取，且有未合并的预写日志（{wal.name}）而无其索引文件，无法可靠读取："
            "请将台账文件夹复制到可写的位置后再操作",
            code="read_only_wal",
        )
    return base + "&immutable=1"


def _create_owner_only(path: Path) -> None:
    """Create the database file 0600 before SQLite opens it (its -wal/-shm inherit the mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class SQLiteStorage:
    """The embedded SQLite ledger: one office, one file."""

    office: str | None = None

    def __init__(self, path: Path, *, create: bool = False, migrate: bool = True) -> None:
        self.path = path
        self.location = str(path.resolve())
        if not create and not path.exists():
            raise UsageError(
                f"台账不存在：{path}（请先运行 secreview init --admin 姓名，或用 --db 指定台账文件）",
                code="no_ledger",
            )
        self.read_only = not create and not writable(path)
        try:
            if create:
                _create_owner_only(path)
            if self.read_only:
                self._conn = sqlite3.connect(
                    _read_only_uri(path),
                    uri=True,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                )
                self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._check_schema()
            else:
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
                if migrate:
                    self._migrate()
        except sqlite3.DatabaseError as e:
            mapped = space.from_sqlite(e, path, "台账未能打开，")
            if mapped is not None:
                raise mapped from e
            raise UsageError(
                f"无法打开台账 {path}：{e}（不是有效的台账文件？）", code="bad_ledger"
            ) from e
        except sqlite3.Error as e:
            raise _wrap(e, path) from e
        self._in_tx = False
        self._in_read = False
        self._head: tuple[int, str] | None = None

    @classmethod
    def open_reader(cls, path: str) -> SQLiteStorage:
        return cls(Path(path), migrate=False)

    def reader(self) -> Callable[[], SQLiteStorage]:
        return functools.partial(SQLiteStorage.open_reader, str(self.path))

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
            self._rollback()
            raise

    def _check_schema(self) -> None:
        """A read-only ledger cannot be migrated: its schema must be the current one."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise UsageError(
                f"台账结构版本 {current} 高于本程序支持的 {SCHEMA_VERSION}，请升级 secreview",
                code="schema_too_new",
            )
        if current < SCHEMA_VERSION:
            raise ReadOnlyLedger(
                f"台账 {self.path} 只能读取，且其结构版本 {current} 须先升级到 {SCHEMA_VERSION}："
                "请在可写的位置用本程序打开一次"
            )

    def refuse_read_only(self) -> ReadOnlyLedger:
        return ReadOnlyLedger(
            f"台账 {self.path} 只能读取（文件或所在文件夹不可写，或位于只读介质上），不能写入；"
            "核验、查看和生成台账（ledger verify、show、queue、check、audit）仍可使用"
        )

    @guarded
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
        if self.read_only:
            raise self.refuse_read_only()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            moved = self._mark("moved_to")
        except sqlite3.Error as e:
            self._rollback()
            raise _wrap(e, self.path) from e
        if moved:
            self._conn.execute("ROLLBACK")
            raise Refused(
                f"此台账已迁移到 {moved}，不再写入（请改用 --db 指向新台账）", code="ledger_moved"
            )
        self._in_tx = True
        self._head = None
        try:
            yield self
            self._conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise _wrap(e, self.path) from e
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_tx = False
            self._head = None

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it rolls back by itself
        after a full disk or an I/O error); a failed rollback never hides the first error."""
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as e:  # nothing was committed; the first error is what matters
            log.warning("rollback failed: %s", e)

    # -- events -----------------------------------------------------------------------------

    @guarded
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

    @guarded
    def insert_event(self, row: RawRow) -> None:
        if not self._in_tx:
            raise RuntimeError("insert outside a write transaction")
        seq, prev = self.head()
        if row[0] != seq + 1 or row[7] != prev:
            raise RuntimeError(f"event {row[0]} does not follow the head {seq}")
        self._conn.execute(f"INSERT INTO events({_EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?)", row)
        self._head = (row[0], row[8])

    @guarded
    def events_for(self, submission_id: str) -> list[Event]:
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE submission_id = ? ORDER BY seq",
            (submission_id,),
        ).fetchall()
        return [row_event(r) for r in rows]

    @guarded
    def events_with_actions(self, actions: Iterable[str]) -> list[Event]:
        acts = list(actions)
        marks = ",".join("?" * len(acts))
        rows = self._conn.execute(
            f"SELECT {_EVENT_COLS} FROM events WHERE action IN ({marks}) ORDER BY seq", acts
        ).fetchall()
        return [row_event(r) for r in rows]

    @guarded
    def raw_with_actions(self, actions: Iterable[str]) -> list[RawRow]:
        acts = list(actions)
        marks = ",".join("?" * len(acts))
        return self._conn.execute(  # type: ignore[no-any-return]
            f"SELECT {_EVENT_COLS} FROM events WHERE action IN ({marks}) ORDER BY seq", acts
        ).fetchall()

    def iter_events(self) -> Iterator[Event]:
        for row in self.iter_raw():
            yield row_event(row)

    @guarded
    def iter_raw(self, start: int = 1, stop: int | None = None) -> Iterator[RawRow]:
        if start <= 1 and stop is None:
            return _rows(self._conn.execute(f"SELECT {_EVENT_COLS} FROM events ORDER BY seq"))
        return _rows(
            self._conn.execute(
                f"SELECT {_EVENT_COLS} FROM events WHERE seq >= ? AND seq < ? ORDER BY seq",
                (start, stop if stop is not None else 2**62),
            )
        )

    @contextmanager
    def reading(self) -> Iterator[SQLiteStorage]:
        """One snapshot for several reads (WAL: writers are not blocked meanwhile)."""
        if self._in_tx or self._in_read:
            yield self
            return
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise _wrap(e) from e
        self._in_read = True
        try:
            yield self
        finally:
            self._in_read = False
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as e:
                log.warning("ending a read snapshot failed: %s", e)

    @guarded
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
            cur = self._conn.execute(sql.format("payload"), acts)
            return (
                (int(seq), sha_in(payload))
                for seq, payload in _rows(cur)  # type: ignore[misc]
            )
        return _rows(cur)  # type: ignore[return-value]

    @guarded
    def submits_naming(self, sha256: str) -> list[str]:
        try:
            rows = self._conn.execute(
                "SELECT DISTINCT submission_id FROM events WHERE action = 'submit' AND"
                " json_valid(payload) AND json_extract(payload, '$.sha256') = ?",
                (sha256,),
            ).fetchall()
        except sqlite3.OperationalError:  # SQLite built without JSON functions
            needle = f'"sha256":"{sha256}"'
            rows = [
                (sid,)
                for sid, payload in self._conn.execute(
                    "SELECT submission_id, payload FROM events WHERE action = 'submit'"
                )
                if needle in payload
            ]
        return sorted({str(r[0]) for r in rows if r[0] is not None})

    @guarded
    def self_check(self) -> list[str]:
        have = {
            r[0]
            for r in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            )
        }
        return [
            f"台账的只追加保护（触发器 {t}）已被删除——有人绕过程序直接改过数据库"
            for t in TRIGGERS
            if t not in have
        ]

    # -- wrong passphrases ------------------------------------------------------------------

    @guarded
    def record_auth_failure(self, name: str, ts: str) -> None:
        if self.read_only:  # nowhere to note it; the wrong passphrase is refused all the same
            log.info("read-only ledger: wrong passphrase for %s not recorded", name)
            return
        with self.write():
            self._conn.execute("INSERT INTO auth_failures(name, ts) VALUES (?, ?)", (name, ts))

    @guarded
    def auth_failures(self, name: str) -> list[str]:
        return [
            str(r[0])
            for r in self._conn.execute(
                "SELECT ts FROM auth_failures WHERE name = ? ORDER BY ts", (name,)
            )
        ]

    @guarded
    def clear_auth_failures(self, name: str) -> None:
        self._conn.execute("DELETE FROM auth_failures WHERE name = ?", (name,))

    @guarded
    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    @guarded
    def next_submission_id(self, year: int) -> str:
        row = self._conn.execute(
            "SELECT MAX(CAST(substr(submission_id, 6) AS INTEGER)) FROM events "
            "WHERE action = 'submit' AND submission_id LIKE ?",
            (f"{year:04d}-%",),
        ).fetchone()
        return f"{year:04d}-{(row[0] or 0) + 1:04d}"

    # -- projections ------------------------------------------------------------------------

    @guarded
    def put_user(
        self, name: str, roles: list[str], depts: list[str], active: bool, seq: int
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO users(name, roles, depts, active, updated_seq) VALUES (?,?,?,?,?)",
            (name, json.dumps(roles), json.dumps(depts, ensure_ascii=False), int(active), seq),
        )

    @guarded
    def list_users(self) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT name, roles, depts, active FROM users ORDER BY name"
        ).fetchall()
        return [
            {"name": n, "roles": json.loads(r), "depts": json.loads(d), "active": bool(a)}
            for n, r, d, a in rows
        ]

    @guarded
    def put_submission(self, row: SubmissionRow, versions: dict[int, tuple[str, str]]) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO submissions(id, title, dept, drafter, version, status, verdict,"
            " waiting_for, updated_seq, updated_ts) VALUES (?,?,?,?,?,?,?,?,?,?)",
            astuple(row),
        )
        self._conn.executemany(
            "INSERT OR REPLACE INTO versions(submission_id, version, sha256, status) VALUES (?,?,?,?)",
            [(row.id, v, sha, status) for v, (sha, status) in versions.items()],
        )

    @guarded
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

    @guarded
    def dump_projections(self) -> dict[str, list[tuple[Any, ...]]]:
        return {
            "users": self._conn.execute(
                "SELECT name, roles, depts, active FROM users ORDER BY name"
            ).fetchall(),
            "submissions": self._conn.execute(
                "SELECT id, title, dept, drafter, version, status, verdict, waiting_for,"
                " updated_seq, updated_ts FROM submissions ORDER BY id"
            ).fetchall(),
            "versions": self._conn.execute(
                "SELECT submission_id, version, sha256, status FROM versions ORDER BY 1, 2"
            ).fetchall(),
        }

    @guarded
    def clear_projections(self) -> None:
        for table in ("users", "submissions", "versions"):
            self._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    @guarded
    def projection_seq(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'projection_seq'").fetchone()
        return int(row[0]) if row else 0

    @guarded
    def set_projection_seq(self, seq: int) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('projection_seq', ?)", (str(seq),)
        )

    # -- operational marks (outside the chain) ---------------------------------------------

    def _mark(self, key: str) -> str | None:
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key = ?", (f"mark:{key}",)
        ).fetchone()
        return str(row[0]) if row else None

    @guarded
    def get_mark(self, key: str) -> str | None:
        return self._mark(key)

    @guarded
    def set_mark(self, key: str, value: str) -> None:
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"mark:{key}", value)
            )

    def close(self) -> None:
        try:
            self._conn.close()
        except sqlite3.Error as e:
            log.warning("closing the ledger failed: %s", e)

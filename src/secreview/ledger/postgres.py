"""PostgreSQL: many offices on one ledger (``--db postgresql://user@host/db``).

:class:`PostgresStorage` implements :class:`~secreview.ledger.storage.Storage` for ONE office's
chain; the database holds every office's chain side by side, keyed by ``office``:

- ``events(office, seq, ts, actor, action, submission_id, version, payload, prev_hash, hash,
  sig)``, primary key ``(office, seq)``: each office's chain is exactly what its SQLite file
  would hold (seq 1, 2, 3 … and the same canonical bytes, hashes and signatures), so
  ``ledger copy`` moves an office's SQLite ledger here row for row and every signature still
  verifies. ``payload`` is stored as the canonical text (never jsonb, which would re-format it).
- Appends from many processes and hosts are serialised per office by a transaction-scoped
  advisory lock (``pg_advisory_xact_lock``) taken first in every write transaction; the head
  is read after the lock, so each append follows the one before it. Submission ids (``YYYY-NNNN``)
  are computed under the same lock: gap-free per office and year. A client killed mid-append
  loses its connection; the server rolls its transaction back and the lock goes with it.
- Append-only: triggers refuse UPDATE, DELETE and TRUNCATE on ``events`` and on the archive
  tables; :meth:`PostgresStorage.self_check` names a trigger dropped or disabled.
- Archived bytes live in the same database (:class:`PostgresBlobStore`): ``blob_chunks`` holds
  each blob in 1 MiB ``bytea`` chunks, ``blobs`` its size and chunk count; reading re-hashes.
- Projections (users, submissions, versions), ``meta`` and ``auth_failures`` carry ``office`` too.
- Connections come from a psycopg_pool pool (autocommit; explicit transactions); one handle
  may be used from several threads (the desk): each thread's transaction has its own
  connection. Every psycopg error is wrapped in :class:`~secreview.errors.StorageError`.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import astuple
from typing import Any

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg_pool import ConnectionPool

from secreview.errors import LedgerBusy, ReadOnlyLedger, Refused, StorageError, UsageError
from secreview.ledger.canonical import GENESIS
from secreview.ledger.storage import (
    SubmissionRow,
    guard_errors,
    office_key,
    row_event,
    sha_in,
    utc_now,
)
from secreview.model import Event, RawRow

log = logging.getLogger(__name__)


LOCK_NAMESPACE = 0x5EC7  # first key of secreview's advisory locks; the second is the office's
MIGRATE_LOCK = 1
LOCK_TIMEOUT = "30s"
CONNECT_TIMEOUT_S = 10
FETCH = 5000
CHUNK = 1 << 20
FLUSH_AT = 2000

_COLS = "seq, ts, actor, action, submission_id, version, payload, prev_hash, hash, sig"
EVENT_TRIGGERS = ("events_no_update", "events_no_delete", "events_no_truncate")
BLOB_TRIGGERS = ("blobs_no_change", "blob_chunks_no_change")

_APPEND_ONLY = """CREATE OR REPLACE FUNCTION secreview_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$"""

# (version, description, statements). Append new migrations; never edit an applied one.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "office chains, append-only triggers, projections, archive",
        [
            """CREATE TABLE events (
                office TEXT NOT NULL,
                seq BIGINT NOT NULL,
                ts TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                submission_id TEXT,
                version INTEGER,
                payload TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                sig TEXT NOT NULL,
                PRIMARY KEY (office, seq)
            )""",
            "CREATE INDEX events_submission ON events(office, submission_id, seq)",
            "CREATE INDEX events_action ON events(office, action, seq)",
            _APPEND_ONLY,
            """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
               FOR EACH ROW EXECUTE FUNCTION secreview_append_only()""",
            """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
               FOR EACH ROW EXECUTE FUNCTION secreview_append_only()""",
            """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
               FOR EACH STATEMENT EXECUTE FUNCTION secreview_append_only()""",
            """CREATE TABLE users (
                office TEXT NOT NULL,
                name TEXT NOT NULL,
                roles TEXT NOT NULL,
                depts TEXT NOT NULL,
                active BOOLEAN NOT NULL,
                updated_seq BIGINT NOT NULL,
                PRIMARY KEY (office, name)
            )""",
            """CREATE TABLE submissions (
                office TEXT NOT NULL,
                id TEXT NOT NULL,
                title TEXT NOT NULL,
                dept TEXT NOT NULL,
                drafter TEXT NOT NULL,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                verdict TEXT NOT NULL,
                waiting_for TEXT,
                updated_seq BIGINT NOT NULL,
                updated_ts TEXT NOT NULL,
                PRIMARY KEY (office, id)
            )""",
            "CREATE INDEX submissions_status ON submissions(office, status)",
            """CREATE TABLE versions (
                office TEXT NOT NULL,
                submission_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                status TEXT NOT NULL,
                PRIMARY KEY (office, submission_id, version)
            )""",
            """CREATE TABLE meta (
                office TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (office, key)
            )""",
            """CREATE TABLE auth_failures (
                office TEXT NOT NULL,
                name TEXT NOT NULL,
                ts TEXT NOT NULL
            )""",
            "CREATE INDEX auth_failures_name ON auth_failures(office, name, ts)",
            """CREATE TABLE blobs (
                office TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size BIGINT NOT NULL,
                chunks INTEGER NOT NULL,
                PRIMARY KEY (office, sha256)
            )""",
            """CREATE TABLE blob_chunks (
                office TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                n INTEGER NOT NULL,
                data BYTEA NOT NULL,
                PRIMARY KEY (office, sha256, n)
            )""",
            """CREATE TRIGGER blobs_no_change BEFORE UPDATE OR DELETE ON blobs
               FOR EACH ROW EXECUTE FUNCTION secreview_append_only()""",
            """CREATE TRIGGER blob_chunks_no_change BEFORE UPDATE OR DELETE ON blob_chunks
               FOR EACH ROW EXECUTE FUNCTION secreview_append_only()""",
        ],
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def display_url(url: str) -> str:
    """The URL without its password (for messages, checkpoints and audits)."""
    try:
        info = pg_conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://?"
    host = str(info.get("host") or "localhost")
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname') or ''}"


def _wrap(e: psycopg.Error, url: str = "") -> StorageError:
    where = f"（{display_url(url)}）" if url else ""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
        return LedgerBusy(f"台账正被占用，{LOCK_TIMEOUT} 内未能写入{where}：{text}")
    if isinstance(e, psycopg.OperationalError):
        return StorageError(f"无法连接 PostgreSQL 台账{where}：{text}", code="db_unreachable")
    return StorageError(f"台账数据库操作失败，未写入任何记录{where}：{text}")


guarded = guard_errors(psycopg.Error, lambda e, _owner: _wrap(e))


def _connect_check(url: str) -> None:
    """One direct connection first: its error says why (refused, password, no database)."""
    try:
        psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True).close()
    except psycopg.Error as e:
        raise _wrap(e, url) from e


def _migrate(conn: psycopg.Connection[Any], create: bool) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, MIGRATE_LOCK))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS secreview_schema (version INTEGER PRIMARY KEY,"
            " applied_at TEXT NOT NULL, description TEXT NOT NULL)"
        )
        row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM secreview_schema").fetchone()
        current = int(row[0]) if row else 0
        if current > SCHEMA_VERSION:
            raise UsageError(
                f"台账结构版本 {current} 高于本程序支持的 {SCHEMA_VERSION}，请升级 secreview",
                code="schema_too_new",
            )
        if current == 0 and not create:
            raise UsageError(
                "此 PostgreSQL 数据库中还没有台账（请先运行 secreview --db … init --admin 姓名"
                " --office 单位）",
                code="no_ledger",
            )
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]  # fixed text of this module
            conn.execute(
                "INSERT INTO secreview_schema(version, applied_at, description) VALUES (%s,%s,%s)",
                (version, utc_now(), description),
            )
            log.info("PostgreSQL ledger migrated to schema %d", version)


def _offices(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute("SELECT office FROM events WHERE seq = 1 ORDER BY office").fetchall()
    return [str(r[0]) for r in rows]


def list_offices(url: str) -> list[str]:
    """The offices with a chain in the ledger at ``url`` (each chain's ``init``)."""
    _connect_check(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            _migrate(conn, create=False)
            return _offices(conn)
    except psycopg.Error as e:
        raise _wrap(e, url) from e


_CURSORS = itertools.count(1)


class _Local(threading.local):
    conn: psycopg.Connection[Any] | None = None
    tx: bool = False
    read: bool = False
    head: tuple[int, str] | None = None
    pending: list[RawRow]

    def __init__(self) -> None:
        self.pending = []


class PostgresStorage:
    """One office's chain in a PostgreSQL ledger."""

    read_only = False  # PostgreSQL's own permissions decide; a refused write is a StorageError

    def __init__(self, url: str, office: str, pool: ConnectionPool[Any]) -> None:
        self.url = url
        self.office: str | None = office
        self._office = office
        self.location = f"{display_url(url)}#{office}"
        self._pool = pool
        self._local = _Local()

    def refuse_read_only(self) -> ReadOnlyLedger:
        return ReadOnlyLedger(f"台账 {self.location} 只能读取，不能写入")

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url: str, office: str | None, *, create: bool = False, pool_size: int = 4
    ) -> PostgresStorage:
        """Open ``office``'s chain (None: the only office; ``create``: it may be new)."""
        _connect_check(url)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                _migrate(conn, create)
                known = _offices(conn)
        except psycopg.Error as e:
            raise _wrap(e, url) from e
        key = choose_office(office, known, create, display_url(url))
        pool: ConnectionPool[Any] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},
            open=False,
            timeout=CONNECT_TIMEOUT_S * 3,
            name="secreview",
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 3)
        except psycopg.Error as e:
            pool.close()
            raise _wrap(e, url) from e
        return cls(url, key, pool)

    @classmethod
    def open_reader(cls, url: str, office: str) -> PostgresStorage:
        return cls.open(url, office, pool_size=1)

    def reader(self) -> Callable[[], PostgresStorage]:
        return functools.partial(PostgresStorage.open_reader, self.url, self._office)

    # -- connections and transactions --------------------------------------------------------

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        """The thread's transaction connection, else one from the pool for this call."""
        local = self._local
        if local.conn is not None:
            if local.pending:
                self._flush(local.conn)
            yield local.conn
            return
        with self._pool.connection() as conn:
            yield conn

    def _flush(self, conn: psycopg.Connection[Any]) -> None:
        rows, self._local.pending = self._local.pending, []
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO events(office, {_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [(self._office, *r) for r in rows],
            )

    @contextmanager
    def write(self) -> Iterator[PostgresStorage]:
        local = self._local
        if local.tx:
            yield self
            return
        if local.read:
            raise RuntimeError("write inside a read snapshot")
        try:
            with self._pool.connection() as conn:
                conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                try:
                    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    conn.execute(
                        "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                        (LOCK_NAMESPACE, self._office),
                    )
                    moved = self._mark(conn, "moved_to")
                    if moved:
                        raise Refused(
                            f"此单位的台账已迁移到 {moved}，不再写入（请改用 --db 指向新台账）",
                            code="ledger_moved",
                        )
                    local.conn, local.tx, local.head, local.pending = conn, True, None, []
                    yield self
                    if local.pending:
                        self._flush(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
                finally:
                    local.conn, local.tx, local.head, local.pending = None, False, None, []
        except psycopg.Error as e:
            raise _wrap(e, self.url) from e

    @contextmanager
    def reading(self) -> Iterator[PostgresStorage]:
        """One snapshot (REPEATABLE READ, read only) for several reads."""
        local = self._local
        if local.tx or local.read:
            yield self
            return
        try:
            with self._pool.connection() as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                local.conn, local.read = conn, True
                try:
                    yield self
                finally:
                    local.conn, local.read = None, False
                    _rollback(conn)
        except psycopg.Error as e:
            raise _wrap(e, self.url) from e

    # -- events -----------------------------------------------------------------------------

    @guarded
    def head(self) -> tuple[int, str]:
        local = self._local
        if local.tx and local.head is not None:
            return local.head
        with self._conn() as conn:
            row = conn.execute(
                "SELECT seq, hash FROM events WHERE office = %s ORDER BY seq DESC LIMIT 1",
                (self._office,),
            ).fetchone()
        head = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
        if local.tx:
            local.head = head
        return head

    @guarded
    def insert_event(self, row: RawRow) -> None:
        local = self._local
        if not local.tx or local.conn is None:
            raise RuntimeError("insert outside a write transaction")
        seq, prev = self.head()
        if row[0] != seq + 1 or row[7] != prev:
            raise RuntimeError(f"event {row[0]} does not follow the head {seq}")
        local.pending.append(row)
        local.head = (row[0], row[8])
        if len(local.pending) >= FLUSH_AT:
            self._flush(local.conn)

    @guarded
    def _select(self, where: str, args: tuple[Any, ...]) -> list[RawRow]:
        with self._conn() as conn:
            return conn.execute(  # type: ignore[no-any-return]
                f"SELECT {_COLS} FROM events WHERE office = %s AND {where} ORDER BY seq",  # type: ignore[arg-type]
                (self._office, *args),
            ).fetchall()

    @guarded
    def events_for(self, submission_id: str) -> list[Event]:
        return [row_event(r) for r in self._select("submission_id = %s", (submission_id,))]

    @guarded
    def events_with_actions(self, actions: Iterable[str]) -> list[Event]:
        return [row_event(r) for r in self.raw_with_actions(actions)]

    @guarded
    def raw_with_actions(self, actions: Iterable[str]) -> list[RawRow]:
        return self._select("action = ANY(%s)", (list(actions),))

    def iter_events(self) -> Iterator[Event]:
        for row in self.iter_raw():
            yield row_event(row)

    def iter_raw(self, start: int = 1, stop: int | None = None) -> Iterator[RawRow]:
        if stop is not None and stop - start <= FETCH:  # a few rows: read now, hold nothing
            return iter(self._select("seq >= %s AND seq < %s", (start, stop)))
        return self._stream(
            f"SELECT {_COLS} FROM events WHERE office = %s AND seq >= %s AND seq < %s ORDER BY seq",
            (self._office, start, stop if stop is not None else 2**62),
        )

    def _stream(self, sql: str, args: tuple[Any, ...]) -> Iterator[Any]:
        """Rows through a server-side cursor, in chunks, inside a snapshot."""
        name = f"secreview_scan_{next(_CURSORS)}"
        closing = False
        try:
            with self.reading(), self._conn() as conn, conn.cursor(name=name) as cur:
                cur.execute(sql, args)  # type: ignore[arg-type]
                while chunk := cur.fetchmany(FETCH):
                    try:
                        yield from chunk
                    except GeneratorExit:  # left unfinished: just let go of the snapshot
                        closing = True
                        raise
        except psycopg.Error as e:
            if closing:
                log.debug("closing an unfinished scan: %s", e)
                return
            raise _wrap(e, self.url) from e

    def iter_blob_refs(self, actions: Iterable[str]) -> Iterator[tuple[int, object]]:
        rows = self._stream(
            "SELECT seq, payload FROM events WHERE office = %s AND action = ANY(%s) ORDER BY seq",
            (self._office, list(actions)),
        )
        return ((int(seq), sha_in(payload)) for seq, payload in rows)

    @guarded
    def submits_naming(self, sha256: str) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT submission_id, payload FROM events WHERE office = %s AND"
                " action = 'submit' AND strpos(payload, %s) > 0",
                (self._office, sha256),
            ).fetchall()
        return sorted({str(sid) for sid, p in rows if sid is not None and sha_in(p) == sha256})

    @guarded
    def self_check(self) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
                " AND tgrelid IN ('events'::regclass, 'blobs'::regclass,"
                " 'blob_chunks'::regclass)"
            ).fetchall()
        have = {str(r[0]) for r in rows}
        return [
            f"台账的只追加保护（触发器 {t}）已被删除或停用——有人绕过程序直接改过数据库"
            for t in (*EVENT_TRIGGERS, *BLOB_TRIGGERS)
            if t not in have
        ]

    @guarded
    def count(self) -> int:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM events WHERE office = %s", (self._office,)
            ).fetchone()
        return int(row[0]) if row else 0

    @guarded
    def next_submission_id(self, year: int) -> str:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT MAX(CAST(substr(submission_id, 6) AS INTEGER)) FROM events"
                " WHERE office = %s AND action = 'submit' AND submission_id ~ %s",
                (self._office, f"^{year:04d}-[0-9]{{1,9}}$"),
            ).fetchone()
        return f"{year:04d}-{((row[0] if row else None) or 0) + 1:04d}"

    # -- wrong passphrases ------------------------------------------------------------------

    @guarded
    def record_auth_failure(self, name: str, ts: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO auth_failures(office, name, ts) VALUES (%s, %s, %s)",
                (self._office, name, ts),
            )

    @guarded
    def auth_failures(self, name: str) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT ts FROM auth_failures WHERE office = %s AND name = %s ORDER BY ts",
                (self._office, name),
            ).fetchall()
        return [str(r[0]) for r in rows]

    @guarded
    def clear_auth_failures(self, name: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "DELETE FROM auth_failures WHERE office = %s AND name = %s", (self._office, name)
            )

    # -- projections ------------------------------------------------------------------------

    @guarded
    def put_user(
        self, name: str, roles: list[str], depts: list[str], active: bool, seq: int
    ) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO users(office, name, roles, depts, active, updated_seq)"
                " VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (office, name) DO UPDATE SET"
                " roles = EXCLUDED.roles, depts = EXCLUDED.depts, active = EXCLUDED.active,"
                " updated_seq = EXCLUDED.updated_seq",
                (
                    self._office,
                    name,
                    json.dumps(roles),
                    json.dumps(depts, ensure_ascii=False),
                    active,
                    seq,
                ),
            )

    @guarded
    def list_users(self) -> list[dict[str, Any]]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT name, roles, depts, active FROM users WHERE office = %s ORDER BY name",
                (self._office,),
            ).fetchall()
        return [
            {"name": n, "roles": json.loads(r), "depts": json.loads(d), "active": bool(a)}
            for n, r, d, a in rows
        ]

    @guarded
    def put_submission(self, row: SubmissionRow, versions: dict[int, tuple[str, str]]) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO submissions(office, id, title, dept, drafter, version, status,"
                " verdict, waiting_for, updated_seq, updated_ts)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (office, id) DO UPDATE"
                " SET title = EXCLUDED.title, dept = EXCLUDED.dept, drafter = EXCLUDED.drafter,"
                " version = EXCLUDED.version, status = EXCLUDED.status,"
                " verdict = EXCLUDED.verdict, waiting_for = EXCLUDED.waiting_for,"
                " updated_seq = EXCLUDED.updated_seq, updated_ts = EXCLUDED.updated_ts",
                (self._office, *astuple(row)),
            )
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO versions(office, submission_id, version, sha256, status)"
                    " VALUES (%s,%s,%s,%s,%s) ON CONFLICT (office, submission_id, version)"
                    " DO UPDATE SET sha256 = EXCLUDED.sha256, status = EXCLUDED.status",
                    [
                        (self._office, row.id, v, sha, status)
                        for v, (sha, status) in versions.items()
                    ],
                )

    @guarded
    def list_submissions(self, statuses: Iterable[str] | None = None) -> list[SubmissionRow]:
        sql = (
            "SELECT id, title, dept, drafter, version, status, verdict, waiting_for, updated_seq,"
            " updated_ts FROM submissions WHERE office = %s"
        )
        args: tuple[Any, ...] = (self._office,)
        if statuses is not None:
            sql += " AND status = ANY(%s)"
            args = (self._office, list(statuses))
        with self._conn() as conn:
            rows = conn.execute(sql + " ORDER BY id", args).fetchall()  # type: ignore[arg-type]
        return [SubmissionRow(*r) for r in rows]

    @guarded
    def dump_projections(self) -> dict[str, list[tuple[Any, ...]]]:
        o = (self._office,)
        with self._conn() as conn:
            return {
                "users": conn.execute(
                    "SELECT name, roles, depts, active FROM users WHERE office = %s ORDER BY name",
                    o,
                ).fetchall(),
                "submissions": conn.execute(
                    "SELECT id, title, dept, drafter, version, status, verdict, waiting_for,"
                    " updated_seq, updated_ts FROM submissions WHERE office = %s ORDER BY id",
                    o,
                ).fetchall(),
                "versions": conn.execute(
                    "SELECT submission_id, version, sha256, status FROM versions"
                    " WHERE office = %s ORDER BY 1, 2",
                    o,
                ).fetchall(),
            }

    @guarded
    def clear_projections(self) -> None:
        with self._conn() as conn:
            for table in ("users", "submissions", "versions"):
                conn.execute(f"DELETE FROM {table} WHERE office = %s", (self._office,))  # type: ignore[arg-type]

    @guarded
    def projection_seq(self) -> int:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE office = %s AND key = 'projection_seq'",
                (self._office,),
            ).fetchone()
        return int(row[0]) if row else 0

    @guarded
    def set_projection_seq(self, seq: int) -> None:
        self._set_meta("projection_seq", str(seq))

    def _set_meta(self, key: str, value: str) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO meta(office, key, value) VALUES (%s, %s, %s)"
                " ON CONFLICT (office, key) DO UPDATE SET value = EXCLUDED.value",
                (self._office, key, value),
            )

    # -- operational marks ------------------------------------------------------------------

    def _mark(self, conn: psycopg.Connection[Any], key: str) -> str | None:
        row = conn.execute(
            "SELECT value FROM meta WHERE office = %s AND key = %s", (self._office, f"mark:{key}")
        ).fetchone()
        return str(row[0]) if row else None

    @guarded
    def get_mark(self, key: str) -> str | None:
        with self._conn() as conn:
            return self._mark(conn, key)

    @guarded
    def set_mark(self, key: str, value: str) -> None:
        self._set_meta(f"mark:{key}", value)

    def close(self) -> None:
        try:
            self._pool.close()
        except psycopg.Error as e:
            log.warning("closing the pool failed: %s", e)


def _rollback(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error as e:  # a broken connection: the server rolls back on its own
        log.debug("rollback failed: %s", e)


def choose_office(office: str | None, known: list[str], create: bool, where: str) -> str:
    """The office key to open: the one named, else the only one there is."""
    if office is not None:
        key = office_key(office)
        if key not in known and not create:
            names = "、".join(known) or "（无）"
            raise UsageError(
                f"{where} 中没有单位「{key}」的台账（已有：{names}）；新单位请用 init --office 建立",
                code="no_ledger",
            )
        return key
    if len(known) == 1:
        return known[0]
    if not known:
        raise UsageError(
            f"{where} 中还没有任何单位的台账：请用 secreview --db … init --admin 姓名 --office 单位"
            " 建立",
            code="no_ledger" if not create else "usage",
        )
    raise UsageError(
        f"{where} 中有 {len(known)} 个单位的台账（{'、'.join(known)}）：请用 --office 单位"
        "（或环境变量 SECREVIEW_OFFICE）指明"
    )


class PostgresBlobStore:
    """The archived bytes of one office, in the same PostgreSQL database (bytea chunks)."""

    def __init__(self, storage: PostgresStorage) -> None:
        self.storage = storage

    def create_root(self) -> None:
        """Nothing to create: the tables come with the schema."""

    def _conn(self) -> Any:
        return self.storage._conn()

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        office = self.storage._office
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
        try:
            with self._conn() as conn:
                if self._meta(conn, sha) is None:
                    with conn.transaction():
                        with conn.cursor() as cur:
                            cur.executemany(
                                "INSERT INTO blob_chunks(office, sha256, n, data)"
                                " VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                                [(office, sha, n, c) for n, c in enumerate(chunks)],
                            )
                        conn.execute(
                            "INSERT INTO blobs(office, sha256, size, chunks) VALUES (%s,%s,%s,%s)"
                            " ON CONFLICT DO NOTHING",
                            (office, sha, len(data), len(chunks)),
                        )
        except psycopg.Error as e:
            raise _wrap(e, self.storage.url) from e
        why = self.check(sha)
        if why is not None:
            raise Refused(f"存档 {sha[:12]}… {why}，无法存入同一内容（请运行 ledger verify）")
        return sha

    def _meta(self, conn: psycopg.Connection[Any], sha: str) -> tuple[int, int] | None:
        row = conn.execute(
            "SELECT size, chunks FROM blobs WHERE office = %s AND sha256 = %s",
            (self.storage._office, sha),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def _read(self, sha: str, keep: bool) -> tuple[str | None, bytes]:
        """(reason it is bad or None, the bytes when ``keep``)."""
        h = hashlib.sha256()
        parts: list[bytes] = []
        try:
            with self._conn() as conn:
                meta = self._meta(conn, sha)
                if meta is None:
                    return "缺失", b""
                size, count = meta
                with conn.cursor() as cur:
                    cur.execute(
                        "SELECT n, data FROM blob_chunks WHERE office = %s AND sha256 = %s"
                        " ORDER BY n",
                        (self.storage._office, sha),
                    )
                    seen = 0
                    total = 0
                    for n, data in cur:
                        if n != seen:
                            return f"缺少第 {seen + 1} 段", b""
                        seen += 1
                        chunk = bytes(data)
                        total += len(chunk)
                        h.update(chunk)
                        if keep:
                            parts.append(chunk)
        except psycopg.Error as e:
            return f"无法读取（{_wrap(e).message}）", b""
        if seen != count or total != size:
            return f"不完整（{seen}/{count} 段，{total}/{size} 字节）", b""
        actual = h.hexdigest()
        if actual != sha:
            return f"已被改动（现哈希 {actual[:12]}…）", b""
        return None, b"".join(parts)

    def check(self, sha256: str) -> str | None:
        return self._read(sha256, keep=False)[0]

    def get(self, sha256: str) -> bytes:
        why, data = self._read(sha256, keep=True)
        if why is not None:
            raise Refused(f"存档文件{why}：{sha256[:12]}…（{self.storage.location}）")
        return data

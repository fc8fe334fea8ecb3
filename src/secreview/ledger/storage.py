"""The :class:`Storage` protocol: what the core needs from a ledger backend.

A backend only **stores and reads rows**. The canonical bytes, the hash chain and the
signatures are computed above it (canonical.py, chain.py); the workflow and the application
services (secreview.services) talk only to this protocol. Two implementations live side by
side and pass the same parametrised test suite:

- :class:`~secreview.ledger.sqlite.SQLiteStorage` — one office, one file (the embedded default);
- :class:`~secreview.ledger.postgres.PostgresStorage` — many offices in one PostgreSQL database,
  each office its own chain (``--db postgresql://…``).

:func:`~secreview.ledger.backends.open_backend` picks one from the ``--db`` value; nothing
else imports a backend module. Every driver error is wrapped at the backend's boundary in
:class:`~secreview.errors.StorageError` (or :class:`~secreview.errors.LedgerBusy`), so no
``sqlite3`` or ``psycopg`` exception reaches the services or the CLI.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from secreview.errors import ReadOnlyLedger, StorageError
from secreview.model import Event, RawRow

P = ParamSpec("P")
R = TypeVar("R")

# The event format recorded in every ``init`` event ("schema"): the canonical bytes of
# canonical.py, signed. A backend's own table layout has its own migration numbers.
EVENT_FORMAT = 2
# Before schema numbers were split per backend, ``init`` recorded SQLite's migration number,
# which was 2 as well; both names stay the same number.
SCHEMA_VERSION = EVENT_FORMAT


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
    """One office's chain in a ledger backend: store and read rows, nothing more.

    Hashes and signatures are computed above (chain.py); a backend never interprets them.
    """

    #: Where this chain lives, for people and for checkpoints (a resolved path, or a
    #: ``postgresql://host/db`` URL without its password, ``#office``).
    location: str
    #: The office key of this chain in a multi-office ledger (None: a single-office file).
    office: str | None
    #: Opened read-only (read-only file, folder or medium): :meth:`write` raises ReadOnlyLedger.
    read_only: bool

    def refuse_read_only(self) -> ReadOnlyLedger:
        """The error every write on a read-only ledger raises (saying what still works)."""
        ...

    def write(self) -> AbstractContextManager[Storage]:
        """A write transaction; appends inside it are serialised across processes and hosts."""
        ...

    def reading(self) -> AbstractContextManager[Storage]:
        """One consistent snapshot for several reads (writers may go on meanwhile)."""
        ...

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest event, (0, GENESIS) when empty."""
        ...

    def insert_event(self, row: RawRow) -> None:
        """Store one event row (inside :meth:`write`); its seq must follow :meth:`head`."""
        ...

    def events_for(self, submission_id: str) -> list[Event]: ...

    def events_with_actions(self, actions: Iterable[str]) -> list[Event]: ...

    def raw_with_actions(self, actions: Iterable[str]) -> list[RawRow]: ...

    def iter_events(self) -> Iterator[Event]: ...

    def iter_raw(self, start: int = 1, stop: int | None = None) -> Iterator[RawRow]:
        """Rows ordered by seq, ``start <= seq`` (and ``seq < stop``)."""
        ...

    def iter_blob_refs(self, actions: Iterable[str]) -> Iterator[tuple[int, object]]: ...

    def submits_naming(self, sha256: str) -> list[str]:
        """Submission ids whose ``submit`` events name this sha256 (a search hint only)."""
        ...

    def next_submission_id(self, year: int) -> str:
        """``YYYY-NNNN``: one more than the highest of that year in this office (gap-free:
        called inside :meth:`write`, so a failed append leaves no hole)."""
        ...

    def reader(self) -> Callable[[], Storage]:
        """A picklable factory of a read-only handle on the same chain (worker processes)."""
        ...

    def self_check(self) -> list[str]:
        """The backend's own safeguards that are missing (e.g. append-only triggers)."""
        ...

    def count(self) -> int: ...

    # -- wrong passphrases (not part of the chain) --

    def record_auth_failure(self, name: str, ts: str) -> None: ...

    def auth_failures(self, name: str) -> list[str]: ...

    def clear_auth_failures(self, name: str) -> None: ...

    # -- projections (derived from the events; never trusted for a decision) --

    def put_user(
        self, name: str, roles: list[str], depts: list[str], active: bool, seq: int
    ) -> None: ...

    def list_users(self) -> list[dict[str, Any]]: ...

    def put_submission(self, row: SubmissionRow, versions: dict[int, tuple[str, str]]) -> None: ...

    def list_submissions(self, statuses: Iterable[str] | None = None) -> list[SubmissionRow]: ...

    def dump_projections(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every projection row (for verify's comparison with a fresh fold)."""
        ...

    def clear_projections(self) -> None: ...

    def projection_seq(self) -> int: ...

    def set_projection_seq(self, seq: int) -> None: ...

    # -- operational marks (outside the chain) --

    def get_mark(self, key: str) -> str | None:
        """A backend-local note such as ``moved_to`` (never part of what verify trusts)."""
        ...

    def set_mark(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


CITY = "*"  # the city level of a multi-office ledger: the city's inspectors' own chain


def office_key(raw: str) -> str:
    """An office's key in a multi-office ledger: NFKC, surrounding spaces dropped, inner runs
    folded; ``*`` is the city level. Refuses an empty name or one with control characters."""
    import unicodedata

    from secreview.errors import UsageError

    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        raise UsageError("单位名称不能为空（--office）")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for c in text):
        raise UsageError(f"单位名称「{raw}」含有不可见或控制字符")
    if len(text) > 100:
        raise UsageError("单位名称过长（至多 100 字）")
    return text


def row_event(row: RawRow) -> Event:
    """A stored row as the core's Event (the payload parsed; prev hash and signature left out)."""
    seq, ts, actor, action, sid, version, payload, _prev, digest, _sig = row
    return Event(seq, ts, actor, action, sid, version, json.loads(payload), digest)


def sha_in(payload: str) -> object:
    """The ``sha256`` a stored payload names, or None (also for a payload that is not JSON)."""
    try:
        return json.loads(payload).get("sha256")
    except (ValueError, AttributeError):
        return None


def guard_errors(
    driver_error: type[Exception], wrap: Callable[[Any, Any], StorageError]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator for a backend's methods: every ``driver_error`` leaves as the core's
    StorageError, said by ``wrap(error, self)`` in the users' terms."""

    def guarded(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except driver_error as e:
                raise wrap(e, args[0] if args else None) from e

        return inner

    return guarded

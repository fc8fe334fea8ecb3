"""Which backend a ``--db`` value names, and opening it: the one place that knows both.

- a path (``台账.db``) → :class:`~secreview.ledger.sqlite.SQLiteStorage` and the folder blob
  store beside it (``台账.db.blobs/``);
- ``postgresql://user@host[:port]/db`` (or ``postgres://``) →
  :class:`~secreview.ledger.postgres.PostgresStorage` for one office's chain, and the blob store
  in the same database. Needs the ``postgres`` extra (psycopg 3, psycopg-pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secreview.errors import UsageError
from secreview.ledger.blobs import Blobs, BlobStore, blob_dir_for
from secreview.ledger.storage import Storage

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(db: str | Path | None) -> bool:
    return isinstance(db, str) and db.startswith(URL_SCHEMES)


@dataclass
class Backend:
    storage: Storage
    blobs: Blobs


def open_backend(db: str | Path, office: str | None = None, *, create: bool = False) -> Backend:
    """Open the chain of ``office`` in the ledger ``db`` (a path or a PostgreSQL URL).

    A SQLite file is one office's chain (``office`` does not select anything there); in
    PostgreSQL ``office`` selects the chain (None: the only office there is).
    """
    if is_url(db):
        from secreview.ledger import postgres

        storage = postgres.PostgresStorage.open(str(db), office, create=create)
        return Backend(storage, postgres.PostgresBlobStore(storage))
    from secreview.ledger.sqlite import SQLiteStorage

    path = Path(db)
    if office == "*":
        raise UsageError(
            "全市范围（--office '*'）只用于 PostgreSQL 台账；SQLite 台账只属于一个单位"
        )
    sqlite = SQLiteStorage(path, create=create)
    return Backend(sqlite, BlobStore(blob_dir_for(path)))


def list_offices(db: str | Path) -> list[str]:
    """The offices whose chains the ledger ``db`` holds (a SQLite file: its one office)."""
    if is_url(db):
        from secreview.ledger import postgres

        return postgres.list_offices(str(db))
    return []

"""The hash-chained ledger: storage (all SQL), chain (hashes, verify), blobs (exact bytes)."""

from secreview.ledger.blobs import BlobStore, blob_dir_for
from secreview.ledger.chain import (
    GENESIS,
    VerifyResult,
    canonical,
    canonical_event,
    event_hash,
    verify,
)
from secreview.ledger.storage import SQLiteStorage, Storage

__all__ = [
    "BlobStore",
    "blob_dir_for",
    "GENESIS",
    "VerifyResult",
    "canonical",
    "canonical_event",
    "event_hash",
    "verify",
    "SQLiteStorage",
    "Storage",
]

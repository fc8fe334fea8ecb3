"""The signed hash-chained ledger: canonical bytes, keys, signing, chain, storage, blobs,
checkpoints. The chain and signatures are computed here, above the storage backends
(ledger/sqlite.py, ledger/postgres.py), which only store and read rows.

Apart from the canonical bytes (which every path needs, and whose ``canonical`` function
must stay this package's ``canonical``), the names below are imported from their modules on
first use, not with the package: any ``secreview.ledger.X`` import runs this file, and a read
(``queue``) does not need the chain (start-up, issue 17).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from secreview.ledger.canonical import GENESIS, canonical, canonical_event, event_bytes, event_hash

if TYPE_CHECKING:
    from secreview.ledger.blobs import Blobs, BlobStore, blob_dir_for
    from secreview.ledger.chain import Problem, VerifyResult, append
    from secreview.ledger.signing import Signer
    from secreview.ledger.storage import Storage

_WHERE = {
    "BlobStore": "blobs",
    "Blobs": "blobs",
    "blob_dir_for": "blobs",
    "Problem": "chain",
    "VerifyResult": "chain",
    "append": "chain",
    "Signer": "signing",
    "Storage": "storage",
}

__all__ = [
    "BlobStore",
    "Blobs",
    "blob_dir_for",
    "GENESIS",
    "Problem",
    "VerifyResult",
    "append",
    "canonical",
    "canonical_event",
    "event_bytes",
    "event_hash",
    "Signer",
    "Storage",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

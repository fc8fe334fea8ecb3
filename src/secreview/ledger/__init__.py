"""The signed hash-chained ledger: canonical bytes, keys, signing, chain, storage, blobs,
checkpoints. The chain and signatures are computed here, above the storage backends
(ledger/sqlite.py, ledger/postgres.py), which only store and read rows."""

from secreview.ledger.blobs import Blobs, BlobStore, blob_dir_for
from secreview.ledger.canonical import GENESIS, canonical, canonical_event, event_bytes, event_hash
from secreview.ledger.chain import Problem, VerifyResult, append
from secreview.ledger.signing import Signer
from secreview.ledger.storage import Storage

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

"""The signed hash-chained ledger: canonical bytes, keys, signing, chain, storage, blobs,
checkpoints. The chain and signatures are computed here, above the storage backend."""

from secreview.ledger.blobs import BlobStore, blob_dir_for
from secreview.ledger.canonical import GENESIS, canonical, canonical_event, event_bytes, event_hash
from secreview.ledger.chain import Problem, VerifyResult, append
from secreview.ledger.signing import Signer
from secreview.ledger.storage import SQLiteStorage, Storage

__all__ = [
    "BlobStore",
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
    "SQLiteStorage",
    "Storage",
]

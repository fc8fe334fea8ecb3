"""``ledger copy SRC DST``: an office's chain, and the archived files it names, into another
ledger — typically an office's SQLite file into the city's PostgreSQL ledger.

The rows are copied exactly as they are: the same seq, ts, actor, payload text, prev_hash,
hash and signature. An office's chain is the same bytes in either backend (canonical.py), so
every signature and every hash still verifies, and checkpoints taken of the source (by
ledger_id and hash) still hold for the copy. The source is verified first and the copy after;
either failing refuses. A copy that stopped half-way, or a source that grew since, continues:
rows the destination already has must be the same rows (else it is another chain: refused).
``move`` marks the source moved (outside the chain) so nobody goes on writing to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secreview.errors import Refused, UsageError
from secreview.integrity import refusal, verify_ledger
from secreview.ledger.backends import Backend, is_url, open_backend
from secreview.ledger.chain import BLOB_ACTIONS, VerifyResult
from secreview.services.projections import Projections

BATCH = 5_000


def copy_office(
    source: str | Path, destination: str | Path, office: str | None, *, move: bool = False
) -> dict[str, Any]:
    """Open both ledgers and copy (``office``: the key in the destination — default the
    office the source's ``init`` recorded — and, for a PostgreSQL source, the office read)."""
    src = open_backend(source, office if is_url(source) else None)
    try:
        first = next(iter(src.storage.iter_raw(1, 2)), None)
        recorded = None
        if first is not None:
            try:
                recorded = json.loads(first[6]).get("office")
            except (ValueError, AttributeError):
                recorded = None
        key = office or src.storage.office or recorded
        if is_url(destination) and not key:
            raise UsageError(
                "源台账建立时未写明单位名称：请用 --office 单位 指明它在目标台账中的名称"
            )
        dst = open_backend(destination, key, create=True)
        try:
            return copy_ledger(src, dst, move=move)
        finally:
            dst.storage.close()
    finally:
        src.storage.close()


def copy_ledger(src: Backend, dst: Backend, *, move: bool = False) -> dict[str, Any]:
    before = verify_ledger(src.storage, src.blobs)
    if not before.ok:
        raise Refused(f"源台账校验未通过，不复制：{refusal(before)}", code="ledger_broken")
    if before.events == 0:
        raise Refused("源台账是空的，没有可复制的记录")
    have, _ = dst.storage.head()
    if have:
        _check_prefix(src, dst, have)
    if have > before.events:
        raise Refused(
            f"目标台账已有 {have} 条记录，多于源台账的 {before.events} 条：不是同一本台账"
        )
    blobs = 0
    dst.blobs.create_root()
    for _seq, sha in src.storage.iter_blob_refs(BLOB_ACTIONS):
        if isinstance(sha, str) and dst.blobs.check(sha) is not None:
            dst.blobs.put(src.blobs.get(sha))
            blobs += 1
    copied = 0
    with dst.storage.write() as tx:
        start = tx.head()[0] + 1
        for row in src.storage.iter_raw(start):
            tx.insert_event(tuple(row))  # type: ignore[arg-type]
            copied += 1
    Projections(dst.storage).rebuild()
    after: VerifyResult = verify_ledger(dst.storage, dst.blobs)
    if not after.ok or after.head != before.head:
        raise Refused(f"复制后的台账校验未通过：{refusal(after)}", code="ledger_broken")
    if move:
        src.storage.set_mark("moved_to", dst.storage.location)
    return {
        "source": src.storage.location,
        "destination": dst.storage.location,
        "office": dst.storage.office,
        "ledger_id": after.ledger_id,
        "events": after.events,
        "copied": copied,
        "already": have,
        "blobs_copied": blobs,
        "blobs": after.blobs,
        "signatures": after.signatures,
        "head": after.head,
        "moved": move,
    }


def _check_prefix(src: Backend, dst: Backend, have: int) -> None:
    theirs = dst.storage.iter_raw(1, have + 1)
    for mine, other in zip(src.storage.iter_raw(1, have + 1), theirs, strict=False):
        if tuple(mine) != tuple(other):
            raise Refused(
                f"目标中已有该单位的另一本台账（第 {mine[0]} 条不同）：不覆盖，请换一个单位名称或目标"
            )

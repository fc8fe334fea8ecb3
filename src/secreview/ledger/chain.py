"""Canonical JSON, event hashes and chain verification. hashlib only, no SQL.

An event's hash is ``sha256(prev_hash + canonical_event)`` where ``canonical_event`` is the
canonical JSON of the list ``[seq, ts, actor, action, submission_id, version, payload]``.
Canonical JSON: keys sorted, ``ensure_ascii=False``, separators ``(",", ":")``, no NaN.
The first event's ``prev_hash`` is :data:`GENESIS`.

Because the payload is stored as its canonical text, :func:`canonical_event` builds the event
text by splicing that stored text into the encoded header — the same bytes as encoding the
whole list, without parsing the payload again (this is what makes verify of 1 M events fast).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

GENESIS = "0" * 64

# Actions whose payload names a stored blob under the key "sha256".
BLOB_ACTIONS = frozenset({"submit"})

_header_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
_encode_header = _header_encoder.encode
# JSON string literal exactly as json.dumps(..., ensure_ascii=False) writes it (C speed).
_enc: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


def canonical(obj: Any) -> str:
    """The canonical JSON text of ``obj`` (the form that is stored and hashed)."""
    return json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def canonical_event(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    submission_id: str | None,
    version: int | None,
    payload_text: str,
) -> str:
    """Canonical JSON of ``[seq, ts, actor, action, submission_id, version, payload]``.

    ``payload_text`` must already be canonical JSON (as stored in the ledger).
    """
    if type(submission_id) is str and type(version) is int:
        try:
            return (
                f"[{seq:d},{_enc(ts)},{_enc(actor)},{_enc(action)},{_enc(submission_id)},"
                f"{version:d},{payload_text}]"
            )
        except (TypeError, ValueError):
            pass
    head = _encode_header([seq, ts, actor, action, submission_id, version])
    return head[:-1] + "," + payload_text + "]"


def event_hash(prev_hash: str, event_text: str) -> str:
    return hashlib.sha256((prev_hash + event_text).encode("utf-8")).hexdigest()


# A raw ledger row as storage yields it, in this column order.
RawRow = tuple[int, str, str, str, "str | None", "int | None", str, str, str]


class ChainSource(Protocol):
    def reading(self) -> AbstractContextManager[object]:
        """One consistent snapshot for all reads inside (writers may go on meanwhile)."""
        ...

    def iter_raw(self) -> Iterator[RawRow]:
        """All events ordered by seq: (seq, ts, actor, action, sid, version, payload, prev, hash)."""
        ...

    def iter_blob_refs(self, actions: Iterable[str]) -> Iterator[tuple[int, object]]:
        """(seq, payload["sha256"]) of the events with these actions, ordered by seq."""
        ...


class BlobSource(Protocol):
    def check(self, sha256: str) -> str | None:
        """None when the blob exists and hashes right, else a short reason."""
        ...


@dataclass
class Problem:
    seq: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "reason": self.reason}


@dataclass
class VerifyResult:
    events: int = 0
    head: str = GENESIS
    blobs: int = 0
    problems: list[Problem] = field(default_factory=list)
    expect_head: str | None = None
    expect_head_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "blobs": self.blobs,
            "first_bad_seq": self.first_bad_seq,
            "problems": [p.to_dict() for p in self.problems],
            "expect_head": self.expect_head,
            "expect_head_seq": self.expect_head_seq,
        }


def verify(
    storage: ChainSource, blobs: BlobSource | None = None, expect_head: str | None = None
) -> VerifyResult:
    """Recompute the chain; check seq continuity, links and hashes, then every named blob.

    Detects an edited event (its hash no longer matches), a deleted one (a gap in seq), an
    inserted or reordered one (seq or link broken). ``expect_head`` is a head hash recorded
    earlier (e.g. printed in an inspection report): it must still be in the chain, which also
    catches removal of the newest events. Stops the chain walk at the first break.
    """
    result = VerifyResult(expect_head=expect_head)
    want_head = expect_head.lower() if expect_head else None
    with storage.reading():
        _walk(storage, result, want_head)
        if want_head is not None and result.expect_head_seq is None and not result.problems:
            result.problems.append(
                Problem(None, f"期望的链头哈希 {expect_head} 不在台账中（记录被截断或整体替换）")
            )
        first: dict[str, int] = {}
        for seq, blob in storage.iter_blob_refs(BLOB_ACTIONS):
            if not (isinstance(blob, str) and len(blob) == 64):
                result.problems.append(Problem(seq, f"第 {seq} 条记录未写明有效的存档文件哈希"))
                continue
            first.setdefault(blob, seq)
    if blobs is not None:
        for blob, seq in sorted(first.items(), key=lambda kv: kv[1]):
            why = blobs.check(blob)
            result.blobs += 1
            if why is not None:
                result.problems.append(
                    Problem(seq, f"第 {seq} 条记录的存档文件 {blob[:12]}… {why}")
                )
    return result


def _walk(storage: ChainSource, result: VerifyResult, want_head: str | None) -> None:
    """The hot loop: one pass over the rows, hashlib and string formatting only."""
    sha256 = hashlib.sha256
    enc = _enc
    slow = canonical_event
    prev = GENESIS
    expected_seq = 1
    for seq, ts, actor, action, sid, version, payload, prev_hash, stored in storage.iter_raw():
        if seq != expected_seq:
            if isinstance(seq, int) and seq > expected_seq:
                reason = f"第 {expected_seq} 条记录缺失（被删除），下一条是第 {seq} 条"
            else:
                reason = f"记录序号重复或次序错乱：第 {expected_seq} 条处出现第 {seq} 条"
            result.problems.append(Problem(expected_seq, reason))
            break
        if prev_hash != prev:
            result.problems.append(
                Problem(
                    seq,
                    f"第 {seq} 条与前一条的哈希链接断开（其前的记录被改写、删除、插入或调换）",
                )
            )
            break
        try:
            if type(sid) is str and type(version) is int:
                text = (
                    f"[{seq:d},{enc(ts)},{enc(actor)},{enc(action)},{enc(sid)},{version:d},"
                    f"{payload}]"
                )
            else:
                text = slow(seq, ts, actor, action, sid, version, payload)
            digest = sha256((prev + text).encode("utf-8")).hexdigest()
        except (TypeError, ValueError, UnicodeEncodeError):
            digest = ""
        if digest != stored:
            result.problems.append(Problem(seq, f"第 {seq} 条记录内容被改动（哈希不符）"))
            break
        if want_head is not None and digest == want_head and result.expect_head_seq is None:
            result.expect_head_seq = seq
        prev = digest
        expected_seq += 1
    result.events = expected_seq - 1
    result.head = prev

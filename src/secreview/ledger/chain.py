"""Appending signed events, walking the hash chain, checking signatures. No SQL here.

:func:`append` is the only way an event is made: it takes the head, builds the canonical bytes
(canonical.py), has the :class:`~secreview.ledger.signing.Signer` sign them, computes the hash
and hands the finished row to the storage backend, which only stores it.

:func:`walk` is verify's hot loop over all rows: seq continuity, the ``prev_hash`` link (its
own check: a row whose stored link is wrong is named even when its hash would recompute), and
each hash. :func:`check_signatures` checks the rows of a seq range against the key each actor
held at that point; it runs in worker processes for big ledgers (it opens its own reader).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from secreview.ledger.canonical import (
    DOMAIN,
    GENESIS,
    canonical,
    canonical_event,
    enc_str,
    event_bytes,
    event_hash,
)
from secreview.ledger.signing import Signer
from secreview.model import Event, RawRow

if TYPE_CHECKING:  # cryptography is imported where signatures are checked (issue 17)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# Actions whose payload names a stored blob under the key "sha256".
BLOB_ACTIONS = frozenset({"submit"})
MAX_PROBLEMS = 50


class RowSink(Protocol):
    def head(self) -> tuple[int, str]: ...

    def insert_event(self, row: RawRow) -> None: ...


def append(
    tx: RowSink,
    signer: Signer,
    action: str,
    submission_id: str | None,
    version: int | None,
    payload: dict[str, Any],
    ts: str,
) -> Event:
    """Sign and store one event after the current head (call inside a write transaction)."""
    seq, prev = tx.head()
    seq += 1
    text = canonical(payload)
    data = event_bytes(prev, seq, ts, signer.name, action, submission_id, version, text)
    sig = signer.sign(data)
    digest = event_hash(data, sig)
    tx.insert_event(
        (seq, ts, signer.name, action, submission_id, version, text, prev, digest, sig.hex())
    )
    return Event(seq, ts, signer.name, action, submission_id, version, payload, digest)


# The order problems at one seq are listed in: what broke first explains the rest.
KINDS = ("chain", "identity", "signature", "policy", "archive", "other")


@dataclass
class Problem:
    seq: int | None
    reason: str
    kind: str = "other"  # one of KINDS

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "reason": self.reason, "kind": self.kind}


@dataclass
class VerifyResult:
    """What verify found. ``ok`` only when no problem; each problem names its seq if it has one."""

    events: int = 0
    head: str = GENESIS
    blobs: int = 0
    signatures: int = 0
    scope: str = "full"
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    expect_head: str | None = None
    expect_head_seq: int | None = None
    checkpoint: dict[str, Any] | None = None  # the newest checkpoint known for this ledger
    checkpoints_known: int = 0
    ledger_id: str = ""
    kdf: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def add(self, seq: int | None, reason: str, kind: str = "other") -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.more_problems += 1
        else:
            self.problems.append(Problem(seq, reason, kind))

    def sort(self) -> None:
        rank = {k: i for i, k in enumerate(KINDS)}
        self.problems.sort(key=lambda p: (p.seq is None, p.seq or 0, rank.get(p.kind, 9)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "blobs": self.blobs,
            "signatures": self.signatures,
            "scope": self.scope,
            "first_bad_seq": self.first_bad_seq,
            "problems": [p.to_dict() for p in self.problems],
            "more_problems": self.more_problems,
            "expect_head": self.expect_head,
            "expect_head_seq": self.expect_head_seq,
            "checkpoint": self.checkpoint,
            "checkpoints_known": self.checkpoints_known,
            "ledger_id": self.ledger_id,
            "kdf": self.kdf,
        }


@dataclass
class Walk:
    """What one pass over the chain saw."""

    events: int = 0
    head: str = GENESIS
    break_at: Problem | None = None
    hashes: dict[int, str] = field(default_factory=dict)  # of the seqs asked for
    prefix_seqs: list[int] = field(default_factory=list)  # seqs whose hash has the prefix
    collected: list[RawRow] = field(default_factory=list)  # rows of the submission asked for
    last: list[RawRow] = field(default_factory=list)  # the newest row seen (zero or one)


def walk(
    rows: Iterable[RawRow],
    want: frozenset[int] = frozenset(),
    prefix: str | None = None,
    collect: str | None = None,
) -> Walk:
    """One pass: seq 1, 2, 3 …; each stored ``prev_hash`` equals the previous hash; each hash
    recomputes from the row (which includes its signature). Stops at the first break.

    Also records the hashes of the seqs in ``want``, the seqs whose hash starts with
    ``prefix``, and (``collect``) the rows of one submission, as they were walked."""
    sha256 = hashlib.sha256
    enc = enc_str
    slow = canonical_event
    dom = DOMAIN
    out = Walk()
    hashes = out.hashes
    prev = GENESIS
    expected = 1
    collected = out.collected
    row: RawRow | None = None
    for row in rows:
        seq, ts, actor, action, sid, version, payload, prev_hash, stored, sig = row
        if seq != expected:
            if isinstance(seq, int) and seq > expected:
                reason = f"第 {expected} 条记录缺失（被删除），下一条是第 {seq} 条"
            else:
                reason = f"记录序号重复或次序错乱：第 {expected} 条处出现第 {seq} 条"
            out.break_at = Problem(expected, reason, "chain")
            break
        if prev_hash != prev:
            out.break_at = Problem(
                seq,
                f"第 {seq} 条与前一条的哈希链接断开（其前的记录被改写、删除、插入或调换）",
                "chain",
            )
            break
        try:
            if type(sid) is str and type(version) is int:
                body = (
                    f"[{seq:d},{enc(ts)},{enc(actor)},{enc(action)},{enc(sid)},{version:d},"
                    f"{payload}]"
                )
            else:
                body = slow(seq, ts, actor, action, sid, version, payload)
            digest = sha256(
                (dom + prev + "\n" + body).encode("utf-8") + bytes.fromhex(sig)
            ).hexdigest()
        except (TypeError, ValueError, UnicodeEncodeError):
            digest = ""
        if digest != stored:
            out.break_at = Problem(seq, f"第 {seq} 条记录内容被改动（哈希不符）", "chain")
            break
        if seq in want:
            hashes[seq] = digest
        if prefix is not None and digest.startswith(prefix):
            out.prefix_seqs.append(seq)
        if collect is not None and sid == collect:
            collected.append(row)
        prev = digest
        expected += 1
    if row is not None and out.break_at is None:
        out.last.append(row)
    out.events = expected - 1
    out.head = prev
    return out


# -- signatures -----------------------------------------------------------------------------------

# name → [(public key hex, from_seq, until_seq or None)] — picklable (Directory.spans()).
Spans = dict[str, list[tuple[str, int, "int | None"]]]


class KeyLookup:
    """The key an actor held at a seq, from the folded key history (one object per key)."""

    def __init__(self, spans: Spans) -> None:
        self._spans = spans
        self._keys: dict[str, Ed25519PublicKey] = {}

    def at(self, actor: str, seq: int) -> Ed25519PublicKey | None:
        for public, start, until in reversed(self._spans.get(actor, ())):
            if start <= seq and (until is None or seq < until):
                key = self._keys.get(public)
                if key is None:
                    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
                        Ed25519PublicKey,
                    )

                    key = self._keys[public] = Ed25519PublicKey.from_public_bytes(
                        bytes.fromhex(public)
                    )
                return key
        return None


def check_rows(
    rows: Iterable[RawRow], keys: KeyLookup, skip: frozenset[str] = frozenset()
) -> tuple[int, list[tuple[int, str]]]:
    """(signatures checked, [(seq, reason)]) for these rows; actions in ``skip`` are left out
    (identity events are checked while the key history is folded)."""
    from cryptography.exceptions import InvalidSignature

    checked = 0
    bad: list[tuple[int, str]] = []
    for seq, ts, actor, action, sid, version, payload, prev, _digest, sig in rows:
        if action in skip:
            continue
        checked += 1
        key = keys.at(actor, seq)
        if key is None:
            bad.append(
                (
                    seq,
                    f"第 {seq} 条记录的操作者「{actor}」此时没有有效的密钥"
                    "（未登记、未启用、已停用或密钥已重置）——不是本人签名",
                )
            )
            continue
        try:
            key.verify(
                bytes.fromhex(sig), event_bytes(prev, seq, ts, actor, action, sid, version, payload)
            )
        except (InvalidSignature, ValueError, TypeError):
            bad.append((seq, f"第 {seq} 条记录的签名与「{actor}」的密钥不符——不是本人签名"))
        if len(bad) >= MAX_PROBLEMS:
            break
    return checked, bad


def check_range(
    reader: Callable[[], Any], spans: Spans, start: int, stop: int, skip: frozenset[str]
) -> tuple[int, list[tuple[int, str]]]:
    """Worker-process entry: open a reader, check the signatures of seqs [start, stop)."""
    storage = reader()
    try:
        with storage.reading():
            return check_rows(storage.iter_raw(start, stop), KeyLookup(spans), skip)
    finally:
        storage.close()

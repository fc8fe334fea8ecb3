"""Is the ledger true? One verification, used by ``ledger verify``, ``check``, ``publish`` and
the audit. It returns a :class:`~secreview.ledger.chain.VerifyResult` naming every problem.

A full verification checks, over a backend-neutral :class:`~secreview.ledger.storage.Storage`:

1. the key history: every identity event (``init``, ``user_*``, ``key_*``) signed by the right
   key and allowed (only admins add, reset or disable; an enrolment carries the one-time code's
   signature; key protection at least the ledger's KDF cost) — directory.py;
2. the chain: seq 1, 2, 3 …, each ``prev_hash`` link, each hash (which covers the signature);
3. every other event's Ed25519 signature against the key its actor held at that point
   (in worker processes on big ledgers: ``jobs``);
4. every event replayed against the review policy (workflow.permitted): a validly signed event
   the policy never allowed — a drafter's own "sign-off" — is a problem too;
5. the derived tables equal a fresh fold of the events;
6. every archived file named by a ``submit`` exists and hashes right;
7. the backend's own safeguards (SQLite: the append-only triggers);
8. the outside anchors: every checkpoint of the auditor's file for this ledger (truncation,
   an older backup, a replaced ledger) and ``--expect-head`` (a hash or a prefix ≥ 12 hex).

``item=ID`` (for ``check`` and ``publish``) keeps 1, 2, 6-8 and narrows 3-5 to that item's own
events (taken from the chain walk itself, not from an index or a derived table), plus the
newest event: its signature covers the previous hash, so any rewrite of the chain below it
would need its actor's key.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from secreview import workflow as wf
from secreview.clock import plain_time, show_time
from secreview.directory import IDENTITY_ACTIONS, Directory
from secreview.errors import Refused, UsageError
from secreview.ledger.chain import (
    BLOB_ACTIONS,
    KeyLookup,
    VerifyResult,
    Walk,
    check_range,
    check_rows,
    walk,
)
from secreview.ledger.checkpoints import Checkpoint
from secreview.ledger.storage import Storage, SubmissionRow
from secreview.model import Event, RawRow

PARALLEL_MIN_EVENTS = 20_000
MIN_PREFIX = 12
_IDENTITY = frozenset(IDENTITY_ACTIONS)
_HEX = re.compile(r"^[0-9a-f]+$")


class BlobChecker(Protocol):
    """What verify needs of the blob store."""

    def check(self, sha256: str) -> str | None: ...


def head_prefix(text: str | None) -> str | None:
    """A recorded head hash, or a prefix of at least 12 hex digits, lower-cased."""
    if text is None:
        return None
    t = text.strip().lower().rstrip("…").rstrip(".")
    if len(t) < MIN_PREFIX or len(t) > 64 or not _HEX.match(t):
        raise UsageError(
            f"--expect-head 须为链头哈希或其前 {MIN_PREFIX} 位以上的十六进制数字：{text!r}"
        )
    return t


def project_state(st: wf.SubmissionState) -> tuple[SubmissionRow, dict[int, tuple[str, str]]]:
    """The derived-table rows of one submission (the service writes these; verify compares)."""
    last = st.history[-1]
    row = SubmissionRow(
        st.id,
        st.title,
        st.dept,
        st.drafter,
        st.current,
        st.status,
        st.cur.verdict,
        wf.WAITING_FOR.get(st.status),
        last.seq,
        last.ts,
    )
    return row, {v: (vs.sha256, vs.status) for v, vs in st.versions.items()}


@dataclass
class _Replay:
    directory: Directory
    states: dict[str, wf.SubmissionState]


def _event(row: RawRow) -> Event:
    seq, ts, actor, action, sid, version, text, _prev, digest, _sig = row
    payload = json.loads(text)
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    return Event(seq, ts, actor, action, sid, version, payload, digest)


def _replay(rows: Iterable[RawRow], bad_identity: set[int], result: VerifyResult) -> _Replay:
    """Every event against the policy, with the users as they were at that point."""
    directory = Directory()
    states: dict[str, wf.SubmissionState] = {}
    users: dict[str, wf.User] = {}
    users_seq = -1
    for row in rows:
        seq, action, sid = row[0], row[3], row[4]
        if action in _IDENTITY:
            if seq not in bad_identity:
                directory.apply(row, check=False)
            continue
        try:
            ev = _event(row)
        except ValueError:
            result.add(seq, f"第 {seq} 条记录的内容不是有效的 JSON 对象", "policy")
            continue
        if users_seq != directory.seq:
            users, users_seq = directory.users(), directory.seq
        item = sid is not None and action in wf.ITEM_ACTIONS
        state = states.get(sid) if item and sid is not None else None
        try:
            wf.permitted(state, users, ev)
        except Refused as e:
            result.add(seq, f"第 {seq} 条记录不符合审批规则：{e.message}", "policy")
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            result.add(seq, f"第 {seq} 条记录内容不完整（{type(e).__name__}: {e}）", "policy")
        if item and sid is not None:
            try:
                new = wf.apply_event(state, ev)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            if new is not None:
                states[sid] = new
    return _Replay(directory, states)


def _compare_projections(storage: Storage, replay: _Replay, result: VerifyResult) -> None:
    stored = storage.dump_projections()
    want_users = sorted(
        (a.name, list(a.roles), list(a.depts), a.active) for a in replay.directory.accounts.values()
    )
    have_users = sorted(
        (str(n), json.loads(r), json.loads(d), bool(a)) for n, r, d, a in stored["users"]
    )
    want_subs: list[tuple[object, ...]] = []
    want_versions: list[tuple[object, ...]] = []
    for sid in sorted(replay.states):
        row, versions = project_state(replay.states[sid])
        want_subs.append(tuple(vars(row).values()))
        want_versions.extend((sid, v, sha, status) for v, (sha, status) in sorted(versions.items()))
    diffs = []
    if have_users != want_users:
        diffs.append(_diff("users", have_users, want_users))
    if [tuple(r) for r in stored["submissions"]] != want_subs:
        diffs.append(_diff("submissions", [tuple(r) for r in stored["submissions"]], want_subs))
    if sorted(tuple(r) for r in stored["versions"]) != sorted(want_versions):
        diffs.append(_diff("versions", [tuple(r) for r in stored["versions"]], want_versions))
    for d in diffs:
        result.add(
            None,
            f"派生表 {d} 与台账记录不一致——有人绕过程序直接改过数据库"
            "（判断一律以记录为准；secreview ledger rebuild 可按记录重建派生表）",
        )


def _diff(table: str, have: Sequence[Iterable[object]], want: Sequence[Iterable[object]]) -> str:
    have_keys = {_key(r) for r in have}
    want_keys = {_key(r) for r in want}
    changed = sorted({_key(r) for r in set(map(_tuple, have)) ^ set(map(_tuple, want))})
    extra = sorted(have_keys - want_keys)
    missing = sorted(want_keys - have_keys)
    bits = []
    if extra:
        bits.append("多出 " + "、".join(extra[:3]))
    if missing:
        bits.append("缺少 " + "、".join(missing[:3]))
    if changed and not bits:
        bits.append("改动了 " + "、".join(changed[:3]))
    return f"{table}（{'；'.join(bits)}）"


def _tuple(r: Iterable[object]) -> tuple[object, ...]:
    return tuple(json.dumps(x, ensure_ascii=False) if isinstance(x, list) else x for x in r)


def _key(r: Iterable[object]) -> str:
    t = _tuple(r)
    return "/".join(str(x) for x in t[:2]) if len(t) > 2 and isinstance(t[1], int) else str(t[0])


def verify_ledger(
    storage: Storage,
    blobs: BlobChecker | None,
    *,
    expect_head: str | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    where: str = "",
    jobs: int | None = None,
) -> VerifyResult:
    """Verify the whole ledger."""
    return _verify(storage, blobs, expect_head, checkpoints, where, jobs, None)[0]


def verify_item(
    storage: Storage,
    blobs: BlobChecker | None,
    sid: str,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    where: str = "",
) -> tuple[VerifyResult, wf.SubmissionState | None]:
    """Verify what one item's decisions rest on; and its state folded from those verified
    events (``sid=""``: the chain, keys and anchors only)."""
    result, replay = _verify(storage, blobs, None, checkpoints, where, 1, sid)
    return result, (replay.states.get(sid) if replay is not None else None)


def _verify(
    storage: Storage,
    blobs: BlobChecker | None,
    expect_head: str | None,
    checkpoints: Sequence[Checkpoint],
    where: str,
    jobs: int | None,
    item: str | None,
) -> tuple[VerifyResult, _Replay | None]:
    prefix = head_prefix(expect_head)
    result = VerifyResult(expect_head=expect_head, scope="full" if item is None else f"item {item}")
    pool: ProcessPoolExecutor | None = None
    futures: list[Future[tuple[int, list[tuple[int, str]]]]] = []
    with storage.reading():
        n, _ = storage.head()
        id_rows = storage.raw_with_actions(IDENTITY_ACTIONS)
        directory = Directory.fold(id_rows, check=True)
        result.signatures += len(id_rows)
        for seq, reason in directory.problems:
            result.add(seq, reason, "identity")
        bad_identity = {seq for seq, _ in directory.problems}
        result.ledger_id = directory.ledger_id
        result.kdf = dict(directory.kdf) if directory.kdf else None
        if n and not directory.ledger_id:
            result.add(1, "第 1 条不是有效的台账建立记录（init）：台账被替换或损坏", "identity")
        mine = [
            c
            for c in checkpoints
            if (directory.ledger_id and c.ledger_id == directory.ledger_id)
            or (where and c.db == where)
        ]
        keys = KeyLookup(directory.spans())
        workers = max(1, jobs or os.cpu_count() or 1)
        parallel = item is None and workers > 1 and n >= PARALLEL_MIN_EVENTS
        if parallel:
            pool = ProcessPoolExecutor(workers)
            chunk = max(5_000, n // (workers * 8) + 1)
            for start in range(1, n + 1, chunk):
                futures.append(
                    pool.submit(
                        check_range,
                        storage.reader(),
                        directory.spans(),
                        start,
                        start + chunk,
                        _IDENTITY,
                    )
                )
        try:
            w = _walk(storage, mine, prefix, item)
            if w.break_at is not None:  # first, so it leads the problems at its seq
                result.add(w.break_at.seq, w.break_at.reason, "chain")
            if item is None:
                if not parallel:
                    checked, bad = check_rows(storage.iter_raw(), keys, _IDENTITY)
                    _add_signatures(result, checked, bad)
                replay = _replay(storage.iter_raw(), bad_identity, result)
                if storage.projection_seq() == n:
                    _compare_projections(storage, replay, result)
                named = _blob_refs(storage.iter_blob_refs(BLOB_ACTIONS), result)
            else:
                rows = w.collected
                head_row = [r for r in w.last if not rows or r[0] != rows[-1][0]]
                checked, bad = check_rows([*rows, *head_row], keys, _IDENTITY)
                _add_signatures(result, checked, bad)
                merged = sorted([*id_rows, *rows], key=lambda r: r[0])
                replay = _replay(merged, bad_identity, result)
                named = _blob_refs(
                    ((r[0], _sha_of(r)) for r in rows if r[3] in BLOB_ACTIONS), result
                )
            for why in storage.self_check():
                result.add(None, why)
        finally:
            for fut in futures:
                checked, bad = fut.result()
                _add_signatures(result, checked, bad)
            if pool is not None:
                pool.shutdown()
    result.events, result.head = w.events, w.head
    if blobs is not None:
        for blob, seq in sorted(named.items(), key=lambda kv: kv[1]):
            blob_why = blobs.check(blob)
            result.blobs += 1
            if blob_why is not None:
                result.add(seq, f"第 {seq} 条记录的存档文件 {blob[:12]}… {blob_why}", "archive")
    _anchors(result, w, mine, prefix, directory.ledger_id)
    result.sort()
    return result, replay


def _walk(
    storage: Storage, mine: Sequence[Checkpoint], prefix: str | None, item: str | None
) -> Walk:
    want = frozenset({1} | {c.seq for c in mine})
    return walk(storage.iter_raw(), want, prefix, collect=item)


def _add_signatures(result: VerifyResult, checked: int, bad: list[tuple[int, str]]) -> None:
    result.signatures += checked
    for seq, reason in bad:
        result.add(seq, reason, "signature")


def _sha_of(row: RawRow) -> object:
    try:
        return json.loads(row[6]).get("sha256")
    except (ValueError, AttributeError):
        return None


def _blob_refs(refs: Iterable[tuple[int, object]], result: VerifyResult) -> dict[str, int]:
    first: dict[str, int] = {}
    for seq, blob in refs:
        if not (isinstance(blob, str) and len(blob) == 64):
            result.add(seq, f"第 {seq} 条记录未写明有效的存档文件哈希", "archive")
            continue
        first.setdefault(blob, seq)
    return first


def _anchors(
    result: VerifyResult,
    w: Walk,
    mine: Sequence[Checkpoint],
    prefix: str | None,
    ledger_id: str,
) -> None:
    if prefix is not None:
        if len(w.prefix_seqs) == 1:
            result.expect_head_seq = w.prefix_seqs[0]
        elif not w.prefix_seqs:
            result.add(
                None,
                f"期望的链头哈希 {result.expect_head} 不在台账中（记录被截断、换成旧备份或整体替换）",
            )
        else:
            result.add(None, f"哈希前缀 {prefix} 对应多条记录，请给出更长的哈希")
    result.checkpoints_known = len(mine)
    for c in sorted(mine, key=lambda c: c.seq):
        when = f"{show_time(c.ts)}「{c.auditor}」"
        if c.ledger_id != ledger_id:
            result.add(
                None,
                f"{when}记录的检查点属于另一本台账（编号 {c.ledger_id[:12]}…）：此台账被整体替换",
            )
        elif w.events < c.seq:
            result.add(
                None,
                f"台账现只有 {w.events} 条记录，但{when}的检查点记录了第 {c.seq} 条："
                "最新的记录被截断，或换上了旧备份",
            )
        elif w.hashes.get(c.seq) != c.head:
            result.add(
                c.seq,
                f"第 {c.seq} 条的哈希与{when}的检查点不同：此处及以前的记录被改写或整体替换",
            )
        if w.events >= 1 and w.hashes.get(1) not in (None, c.genesis) and c.ledger_id == ledger_id:
            result.add(1, f"第 1 条与{when}检查点记录的不同：台账被整体替换")
    if mine:
        newest = max(mine, key=lambda c: c.seq)
        result.checkpoint = {**newest.to_dict(), "ts_local": plain_time(newest.ts)}


def refusal(result: VerifyResult) -> str:
    """One line: why a broken ledger is refused (the first problem, and how many more)."""
    first = result.problems[0]
    more = len(result.problems) - 1 + result.more_problems
    tail = f"（另有 {more} 个问题，详见 secreview ledger verify）" if more else ""
    where = (
        f"第 {first.seq} 条："
        if first.seq is not None and f"第 {first.seq} 条" not in first.reason
        else ""
    )
    return f"台账校验未通过——{where}{first.reason}{tail}"

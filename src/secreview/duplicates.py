"""A file submitted twice: the same bytes (sha256) already recorded in the ledger.

An office expects one review per item (一事一审): the same file submitted again is nearly
always a mistake — the command run twice, a colleague submitting what was already sent, an
unchanged file offered as a 修改稿. So ``submit`` refuses it, naming the item (and version)
that already holds those bytes. Where a second item really is meant (the same notice to be
published in another channel, under its own review and sign-off), ``--allow-duplicate``
records it as a new item; the event then names the earlier copies (``duplicate_of``) and the
drafter is told.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from secreview import workflow as wf
from secreview.clock import OfficeClock
from secreview.errors import Refused
from secreview.ledger.storage import Storage


@dataclass(frozen=True)
class Copy:
    """A version of an item that holds the same bytes."""

    id: str
    version: int
    title: str
    status: str
    drafter: str
    submitted: str  # UTC, as the ledger stores it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, clock: OfficeClock) -> str:
        status = wf.STATUS_ZH.get(self.status, self.status)
        return (
            f"稿件 {self.id} 第 {self.version} 版「{self.title}」"
            f"（{self.drafter} {clock.show(self.submitted)}提交，状态：{status}）"
        )


def copies_of(storage: Storage, sha256: str) -> list[Copy]:
    """Every version in the ledger whose submitted bytes have this sha256."""
    out: list[Copy] = []
    for sid in storage.submits_naming(sha256):
        state = wf.fold_submission(storage.events_for(sid))
        if state is None:
            continue
        for v, vs in sorted(state.versions.items()):
            if vs.sha256 == sha256:
                out.append(Copy(sid, v, state.title, vs.status, state.drafter, vs.submitted_ts))
    return out


def refuse_duplicate(copies: list[Copy], filename: str, clock: OfficeClock) -> Refused:
    first = copies[0]
    more = f"等 {len(copies)} 处" if len(copies) > 1 else ""
    return Refused(
        f"{filename} 与台账中已有的{first.describe(clock)}{more}完全相同（SHA-256 一致），未再次登记。"
        f"修改后请用 --revises {first.id} 提交修改稿；如确需作为另一件新稿件提交，请加 --allow-duplicate",
        code="duplicate",
    )


def duplicate_notice(copies: list[Copy], clock: OfficeClock) -> str:
    """What the drafter is told when --allow-duplicate recorded the same bytes again."""
    named = "；".join(c.describe(clock) for c in copies[:3])
    more = f"（另有 {len(copies) - 3} 处）" if len(copies) > 3 else ""
    return f"注意：该文件与{named}{more}完全相同，已按 --allow-duplicate 作为新稿件登记"

"""Reviews: the 保密审查员's decision on each finding, and the leader's sign-off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from secreview import workflow as wf
from secreview.ledger.signing import Signer
from secreview.numbering import resolve
from secreview.services.base import Context


class Reviews:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def review(
        self,
        sid: str,
        signer: Signer,
        approve: bool,
        dismissals: Sequence[tuple[str | int, str]] = (),
        comment: str | None = None,
    ) -> dict[str, Any]:
        """The reviewer's decision. ``dismissals``: (finding, reason) — a finding by its
        fingerprint or by its number in ``show`` (numbering.py), resolved here against the
        version being reviewed."""
        ctx = self.ctx
        what = f"审查 {sid}"
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, what)
            state = ctx.verified_state(tx, sid, user, what)
            fps = resolve(
                state.cur.findings, [ref for ref, _ in dismissals], f"{sid} 第 {state.current} 版"
            )
            chosen = [(fp, reason) for fp, (_, reason) in zip(fps, dismissals, strict=True)]
            payload = wf.plan_review(state, user, approve, chosen, comment)
            ev = ctx.append(tx, signer, "review", sid, state.current, payload)
            ctx.project(tx, sid)
            after = ctx.state(sid, user, tx)
        return {
            "id": sid,
            "version": state.current,
            "decision": payload["decision"],
            "status": after.status,
            "dismissed": len(payload["dismissals"]),
            "confirmed": len(payload["confirmed"]),
            "comment": payload["comment"],
            "seq": ev.seq,
        }

    def sign(
        self,
        sid: str,
        signer: Signer,
        approve: bool,
        accept_dismissals: bool = False,
        comment: str | None = None,
    ) -> dict[str, Any]:
        ctx = self.ctx
        what = f"签批 {sid}"
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, what)
            state = ctx.verified_state(tx, sid, user, what)
            payload = wf.plan_sign(state, user, approve, accept_dismissals, comment)
            payload["sha256"] = state.cur.sha256
            ev = ctx.append(tx, signer, "sign", sid, state.current, payload)
            ctx.project(tx, sid)
        return {
            "id": sid,
            "version": state.current,
            "decision": payload["decision"],
            "status": "signed_off" if approve else "returned",
            "comment": payload["comment"],
            "sha256": state.cur.sha256,
            "seq": ev.seq,
            "ts": ev.ts,
        }

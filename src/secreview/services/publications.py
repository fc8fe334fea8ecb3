"""Publications: record the publication of signed-off bytes, and the CMS gate ``check``."""

from __future__ import annotations

import hashlib
from typing import Any

from secreview import workflow as wf
from secreview.errors import Refused
from secreview.integrity import refusal, verify_item
from secreview.ledger.signing import Signer
from secreview.services.base import Context


class Publications:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def publish(
        self, sid: str, signer: Signer, channel: str | None = None, url: str | None = None
    ) -> dict[str, Any]:
        ctx = self.ctx
        what = f"公开 {sid}"
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, what)
            state = ctx.verified_state(tx, sid, user, what)
            wf.check_publish(state, user)
            vs = state.cur
            signed_sha = (vs.sign or {}).get("sha256", vs.sha256)
            try:
                ctx.blobs.get(signed_sha)
            except Refused as e:
                raise Refused(
                    f"{user.label()}不能公开 {sid}：存档的签批文件校验失败 — {e.message}"
                ) from e
            channel = channel or state.channel
            payload = {"sha256": signed_sha, "channel": channel, "url": url}
            ev = ctx.append(tx, signer, "publish", sid, state.current, payload)
            ctx.project(tx, sid)
        return {
            "id": sid,
            "version": state.current,
            "sha256": signed_sha,
            "channel": channel,
            "url": url,
            "ts": ev.ts,
            "seq": ev.seq,
        }

    def check(self, data: bytes) -> dict[str, Any] | None:
        """The signed-off submission whose current version has exactly these bytes, or None.

        Answers only from verified events: the chain, the key history and each candidate
        item's own events and signatures are checked first, the policy replayed; a ledger that
        fails is a :class:`Refused` naming why — never a pass. No derived table is read.
        """
        ctx = self.ctx
        sha = hashlib.sha256(data).hexdigest()
        with ctx.storage.reading() as rd:
            candidates = rd.submits_naming(sha)
            cps, where = ctx.checkpoints(), ctx.where()
            if not candidates:
                result, _ = verify_item(rd, ctx.blobs, "", checkpoints=cps, where=where)
                if not result.ok:
                    raise Refused(f"无法核验：{refusal(result)}", code="ledger_broken")
                return None
            for sid in candidates:
                result, state = verify_item(rd, ctx.blobs, sid, checkpoints=cps, where=where)
                if not result.ok:
                    raise Refused(f"无法核验 {sid}：{refusal(result)}", code="ledger_broken")
                if state is None or state.cur.sha256 != sha or state.status not in wf.APPROVED:
                    continue
                vs = state.cur
                return {
                    "ok": True,
                    "sha256": sha,
                    "id": sid,
                    "version": state.current,
                    "title": state.title,
                    "dept": state.dept,
                    "status": vs.status,
                    "signer": vs.signer,
                    "sign_time": vs.sign_ts,
                    "events": result.events,
                    "head": result.head,
                }
        return None

    def explain_unsigned(self, data: bytes, filename: str) -> dict[str, Any]:
        """For bytes :meth:`check` did not find signed off: the item they belong to, or the
        item whose file of this name was signed and then replaced (sweep.explain_bytes) —
        named only after that item's events verify."""
        from secreview.sweep import explain_bytes

        ctx = self.ctx
        sha = hashlib.sha256(data).hexdigest()
        with ctx.storage.reading() as rd:
            found = explain_bytes(rd.iter_events(), filename, sha)
            sid = found.get("submission_id")
            if sid:
                result, _ = verify_item(
                    rd, ctx.blobs, sid, checkpoints=ctx.checkpoints(), where=ctx.where()
                )
                if not result.ok:
                    raise Refused(f"无法核验 {sid}：{refusal(result)}", code="ledger_broken")
        keep = ("verdict", "submission_id", "version", "title", "detail", "signed_sha256")
        return {"ok": False, "sha256": sha, **{k: found.get(k) for k in keep}}

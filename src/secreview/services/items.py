"""Items: what waits for a user (``queue``) and one item's findings and history (``show``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secreview import workflow as wf
from secreview.errors import Refused
from secreview.model import Event
from secreview.services.base import Context

if TYPE_CHECKING:
    from secreview.ledger.signing import Signer

QUEUE_STATUSES = {
    "reviewer": ["awaiting_review"],
    "leader": ["awaiting_signoff"],
    "drafter": ["returned", "signed_off"],
}


class Items:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def queue(self, actor: str | None) -> list[dict[str, Any]]:
        ctx = self.ctx
        user = ctx.whoami(actor, "查看待办")
        candidates = [s for r in user.roles for s in QUEUE_STATUSES.get(r, [])]
        if not candidates:
            return []
        states = [ctx.state(r.id) for r in ctx.storage.list_submissions(candidates)]
        out = []
        for st in wf.queue_for(user, states):
            vs = st.cur
            out.append(
                {
                    "id": st.id,
                    "version": st.current,
                    "title": st.title,
                    "dept": st.dept,
                    "drafter": st.drafter,
                    "status": st.status,
                    "verdict": vs.verdict,
                    "findings": len(vs.findings),
                    "submitted": vs.submitted_ts,
                    "returned_reason": vs.returned_reason if st.status == "returned" else None,
                }
            )
        return out

    def list_items(self, actor: str | None) -> list[dict[str, Any]]:
        """Every item the caller may read (wf.can_view), newest first — a listing from the
        derived table; reading one item (``show``) folds its events."""
        ctx = self.ctx
        user = ctx.whoami(actor, "查看稿件列表")
        rows = [r for r in ctx.storage.list_submissions() if wf.can_view(user, r.dept, r.drafter)]
        rows.sort(key=lambda r: r.updated_seq, reverse=True)
        return [
            {
                "id": r.id,
                "version": r.version,
                "title": r.title,
                "dept": r.dept,
                "drafter": r.drafter,
                "status": r.status,
                "verdict": r.verdict,
                "waiting_for": r.waiting_for,
                "updated": r.updated_ts,
            }
            for r in rows
        ]

    def document(
        self, sid: str, actor: str | None, version: int | None = None, *, data: bool = True
    ) -> dict[str, Any]:
        """One version as stored, for reading its text in place (the desk's document page):
        {version, filename, sha256, findings (unmasked: whoever shows them masks them),
        data (the archived bytes, checked against their hash; only with ``data``)}.
        Whoever may ``show`` the item may read it. Not recorded (``export`` of the file is)."""
        ctx = self.ctx
        user = ctx.whoami(actor, f"查看 {sid}")
        state = ctx.state(sid, user)
        wf.check_view(user, sid, state.dept, state.drafter)
        v = version or state.current
        if v not in state.versions:
            raise Refused(f"{user.label()}：稿件 {sid} 没有第 {v} 版")
        vs = state.versions[v]
        out: dict[str, Any] = {
            "version": v,
            "filename": vs.filename,
            "sha256": vs.sha256,
            "findings": vs.findings,
        }
        if data:
            out["data"] = ctx.blobs.get(vs.sha256)
        return out

    def show(
        self,
        sid: str,
        actor: str | None,
        reveal: bool = False,
        version: int | None = None,
        signer: Signer | None = None,
    ) -> dict[str, Any]:
        """Findings in context and the history. ``reveal`` (recorded) needs the signer."""
        ctx = self.ctx
        user = ctx.whoami(actor, f"查看 {sid}")
        state = ctx.state(sid, user)
        wf.check_view(user, sid, state.dept, state.drafter)
        if reveal:
            wf.check_reveal(user, sid)
            if signer is None or signer.name != user.name:
                raise Refused(f"{user.label()}查看未遮盖内容须输入本人口令（此操作记入台账）")
        v = version or state.current
        if v not in state.versions:
            raise Refused(f"{user.label()}：稿件 {sid} 没有第 {v} 版")
        out = describe(state, v, reveal)
        out["actions"] = wf.allowed_actions(user, state) if v == state.current else []
        if reveal:
            assert signer is not None
            with ctx.storage.write() as tx:
                user = ctx.authorize(tx, signer, f"查看 {sid} 中未遮盖的个人信息")
                wf.check_reveal(user, sid)
                ctx.append(tx, signer, "reveal", sid, v, {})
                ctx.project(tx, sid)
            return out
        from secreview.mask import mask_deep

        return mask_deep(out)  # type: ignore[no-any-return]


def describe(state: wf.SubmissionState, v: int, reveal: bool) -> dict[str, Any]:
    """``show``'s answer for version ``v`` (unmasked; the caller masks)."""
    from secreview.numbering import numbered

    vs = state.versions[v]
    dismissed = vs.dismissals()
    accepted = set((vs.sign or {}).get("accepted", []))
    findings = []
    for n, f in numbered(vs.findings):  # show's order; --dismiss takes these numbers
        fp = str(f.get("fingerprint", ""))
        if fp in dismissed:
            status = "dismissed_accepted" if fp in accepted else "dismissed"
        elif vs.review is not None and fp in vs.review.get("confirmed", []):
            status = "confirmed"
        else:
            status = "open"
        findings.append({**f, "n": n, "status": status, "dismissal": dismissed.get(fp)})
    return {
        "id": state.id,
        "title": state.title,
        "dept": state.dept,
        "channel": state.channel,
        "drafter": state.drafter,
        "current_version": state.current,
        "status": state.status,
        "version": {
            "version": v,
            "sha256": vs.sha256,
            "filename": vs.filename,
            "verdict": vs.verdict,
            "route": vs.route,
            "status": vs.status,
            "submitted": vs.submitted_ts,
            "reviewer": vs.reviewer,
            "signer": vs.signer,
            "sign_time": vs.sign_ts,
            "sign_decision": (vs.sign or {}).get("decision"),
            "review_decision": (vs.review or {}).get("decision"),
            "returned_reason": vs.returned_reason,
            "publications": vs.publications,
        },
        "versions": [
            {"version": x.version, "status": x.status, "verdict": x.verdict, "sha256": x.sha256}
            for x in state.versions.values()
        ],
        "findings": findings,
        "history": [
            {
                "seq": e.seq,
                "ts": e.ts,
                "actor": e.actor,
                "action": e.action,
                "version": e.version,
                "detail": history_detail(e),
            }
            for e in state.history
        ],
        "revealed": reveal,
    }


def history_detail(ev: Event) -> dict[str, Any]:
    p = ev.payload
    if ev.action == "submit":
        return {
            "verdict": p.get("verdict"),
            "filename": p.get("filename"),
            "sha256": p.get("sha256"),
            "findings_summary": p.get("findings_summary"),
            "route": p.get("route"),
        }
    if ev.action in ("review", "sign"):
        return {k: v for k, v in p.items() if k != "sha256"}
    return dict(p)

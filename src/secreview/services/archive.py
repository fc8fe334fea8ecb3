"""Archive: the stored bytes of a version, re-checked against their hash (``export``)."""

from __future__ import annotations

from typing import Any

from secreview import workflow as wf
from secreview.errors import Refused
from secreview.ledger.signing import Signer
from secreview.services.base import Context


class Archive:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def export(self, sid: str, version: int | None, signer: Signer) -> tuple[bytes, dict[str, Any]]:
        ctx = self.ctx
        what = f"导出 {sid}"
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, what)
            wf.check_export(user, sid)
            state = ctx.state(sid, user, tx)
            v = version or state.current
            if v not in state.versions:
                raise Refused(f"{user.label()}不能导出：稿件 {sid} 没有第 {v} 版")
            vs = state.versions[v]
            data = ctx.blobs.get(vs.sha256)
            ctx.append(tx, signer, "export", sid, v, {"sha256": vs.sha256})
            ctx.project(tx, sid)
        return data, {
            "id": sid,
            "version": v,
            "sha256": vs.sha256,
            "filename": vs.filename,
            "size": len(data),
        }

"""Verification: ``ledger verify`` (integrity.py does the work) and ``ledger checkpoint``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.errors import Refused
from secreview.integrity import refusal, verify_ledger
from secreview.ledger import checkpoints as cps
from secreview.ledger.chain import VerifyResult
from secreview.ledger.signing import Signer
from secreview.services.base import Context


class Verification:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def verify(
        self,
        expect_head: str | None = None,
        checkpoints: Path | None = None,
        jobs: int | None = None,
    ) -> VerifyResult:
        ctx = self.ctx
        return verify_ledger(
            ctx.storage,
            ctx.blobs,
            expect_head=expect_head,
            checkpoints=ctx.checkpoints(checkpoints),
            where=ctx.where(),
            jobs=jobs,
        )

    def checkpoint(self, signer: Signer, path: Path | None = None) -> dict[str, Any]:
        """Record the verified head, signed by an auditor, in the ledger and in their file."""
        ctx = self.ctx
        target = path or ctx.config.checkpoints_path()
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, "记录台账检查点")
            wf.check_checkpoint(user)
            result = verify_ledger(
                tx, ctx.blobs, checkpoints=ctx.checkpoints(target), where=ctx.where()
            )
            if not result.ok:
                raise Refused(
                    f"{user.label()}不能记录检查点：{refusal(result)}", code="ledger_broken"
                )
            first = next(iter(tx.iter_raw(1, 2)))
            ev = ctx.append(
                tx, signer, "checkpoint", None, None, {"seq": result.events, "head": result.head}
            )
            tx.set_projection_seq(tx.head()[0])
            cp = cps.Checkpoint(
                result.ledger_id, first[8], ev.seq, ev.hash, ev.ts, signer.name, ctx.where()
            )
            cps.add(target, cp)  # before the commit: a checkpoint never names a missing event
        return {**cp.to_dict(), "file": str(target), "verified_events": result.events}

    def overview(self, actor: str | None) -> dict[str, Any]:
        """For auditors and admins, without recording anything: the verify result, the last
        checkpoint and the latest sweep runs with the files that need attention."""
        from secreview.report.overview import ledger_overview

        ctx = self.ctx
        user = ctx.whoami(actor, "查看台账校验状态")
        wf.check_audit(user)
        result = self.verify()
        events = ctx.storage.events_with_actions(
            ["checkpoint", "sweep_start", "sweep_result", "sweep_end"]
        )
        return ledger_overview(result, events)

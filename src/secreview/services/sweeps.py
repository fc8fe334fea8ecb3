"""Sweeps: 定期梳理 of published files with today's rules and model (auditor/admin).

The matching and scanning are secreview.sweep's; this service authorizes the auditor and
records each result as an event signed by them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.errors import UsageError
from secreview.ledger.signing import Signer
from secreview.model import Event
from secreview.services.base import Context


class Sweeps:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def sweep(
        self,
        signer: Signer,
        paths: Sequence[str | Path],
        jobs: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        from secreview.pipeline import provenance
        from secreview.sweep import run_sweep

        ctx = self.ctx
        what = "对已公开文件进行定期梳理"
        user = ctx.whoami(signer.name, what)
        wf.check_sweep(user)
        if not paths:
            raise UsageError("请指定要梳理的文件或文件夹")
        with ctx.storage.write() as tx:
            ctx.authorize(tx, signer, what)

        def record(
            action: str, sid: str | None, version: int | None, payload: dict[str, Any]
        ) -> Event:
            with ctx.storage.write() as tx:
                ev = ctx.append(tx, signer, action, sid, version, payload)
                tx.set_projection_seq(tx.head()[0])  # sweep events change no projection
            return ev

        return run_sweep(
            ctx.storage,
            ctx.config,
            record,
            paths,
            jobs=jobs,
            progress=progress,
            provenance=provenance(ctx.config),
        )

"""The state of the ledger at a glance, for an auditor: verify, last checkpoint, sweeps.

Pure: a verify result and the checkpoint/sweep events in, plain data out (the review desk's
audit page shows it; nothing is recorded by reading it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from secreview.ledger.chain import VerifyResult
from secreview.model import Event
from secreview.report.build import ATTENTION_VERDICTS, SWEEP_VERDICT_ZH

RUNS_SHOWN = 5
ATTENTION_SHOWN = 50


def ledger_overview(result: VerifyResult, events: Iterable[Event]) -> dict[str, Any]:
    """``result``: a full verify; ``events``: the checkpoint and sweep events in seq order."""
    checkpoint: dict[str, Any] | None = None
    runs: dict[str, dict[str, Any]] = {}
    for ev in events:
        p = ev.payload
        if ev.action == "checkpoint":
            checkpoint = {
                "seq": ev.seq,
                "ts": ev.ts,
                "auditor": ev.actor,
                "hash": ev.hash,
                "vouches_for": p.get("seq"),
            }
        elif ev.action == "sweep_start":
            runs[str(p.get("run"))] = {
                "run": p.get("run"),
                "started": ev.ts,
                "by": ev.actor,
                "files": p.get("files", 0),
                "resumed": bool(p.get("resumed")),
                "ended": None,
                "verdicts": {},
                "attention": [],
            }
        elif ev.action == "sweep_result":
            run = runs.get(str(p.get("run")))
            if run is None:
                continue
            verdict = str(p.get("verdict", ""))
            run["verdicts"][verdict] = run["verdicts"].get(verdict, 0) + 1
            if verdict in ATTENTION_VERDICTS or verdict == "error":
                run["attention"].append(
                    {
                        "path": p.get("path", ""),
                        "verdict": verdict,
                        "verdict_zh": SWEEP_VERDICT_ZH.get(verdict, verdict),
                        "submission_id": ev.submission_id,
                        "version": ev.version,
                        "detail": p.get("detail") or "",
                        "ts": ev.ts,
                    }
                )
        elif ev.action == "sweep_end":
            run = runs.get(str(p.get("run")))
            if run is not None:
                run["ended"] = ev.ts
    latest = list(runs.values())[-RUNS_SHOWN:][::-1]
    for run in latest:
        run["attention_more"] = max(0, len(run["attention"]) - ATTENTION_SHOWN)
        run["attention"] = run["attention"][:ATTENTION_SHOWN]
    return {
        "verify": {
            "ok": result.ok,
            "events": result.events,
            "head": result.head,
            "signatures": result.signatures,
            "blobs": result.blobs,
            "problems": [
                {"seq": pr.seq, "reason": pr.reason} for pr in result.problems[: RUNS_SHOWN * 2]
            ],
            "more_problems": max(0, len(result.problems) - RUNS_SHOWN * 2) + result.more_problems,
            "checkpoints_known": result.checkpoints_known,
        },
        "checkpoint": checkpoint,
        "sweeps": latest,
        "sweep_runs": len(runs),
    }

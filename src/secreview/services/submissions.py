"""Submissions: scan the exact bytes of a document, archive them, record and route the version."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.checks import ensure_fingerprints
from secreview.checks.docnumber import number_in
from secreview.duplicates import copies_of, refuse_duplicate
from secreview.errors import InputError, Refused
from secreview.extract import read_input
from secreview.ledger.signing import Signer
from secreview.model import Report
from secreview.services.base import Context


def findings_summary(findings: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{category: {severity: n}} of a report's findings."""
    out: dict[str, Counter[str]] = {}
    for f in findings:
        out.setdefault(f.get("category", "?"), Counter())[f.get("severity", "?")] += 1
    return {k: dict(v) for k, v in sorted(out.items())}


class Submissions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def scan(self, data: bytes, filename: str) -> tuple[Report, str | None]:
        """The scan a submission records, and the document number (文号) it found."""
        from secreview.checks.docnumber import DocNumberProbe
        from secreview.pipeline import default_checks, scan_bytes

        probe = DocNumberProbe()
        config = self.ctx.config
        report = scan_bytes(data, filename, config, [*default_checks(config), probe])
        return report, probe.found

    def submit(
        self,
        file_path: str | Path,
        title: str | None,
        dept: str | None,
        channel: str | None,
        revises: str | None,
        signer: Signer,
        *,
        precomputed: tuple[Report, str | None] | None = None,
        allow_duplicate: bool = False,
    ) -> dict[str, Any]:
        """Scan the exact bytes, store them, record the submission and route it.

        Bytes already in the ledger (the same sha256) are refused, naming the item that holds
        them, unless ``allow_duplicate`` (then recorded as ``duplicate_of``; duplicates.py).
        ``precomputed`` (report, doc_number) skips the scan: the caller already scanned these
        exact bytes with this config (the desk's scan preview, in its worker process), or a
        benchmark of the ledger alone. A report of other bytes is refused.
        """
        from secreview.pipeline import provenance

        ctx = self.ctx
        what = "提交修改稿" if revises else "提交稿件"
        if ctx.storage.read_only:  # before the scan and the archive, not after
            raise ctx.storage.refuse_read_only()
        user = ctx.whoami(signer.name, what)
        if revises:
            wf.check_revise(ctx.state(revises, user), user)
        else:
            if not (title and title.strip()) or not (dept and dept.strip()):
                raise Refused(f"{user.label()}不能{what}：须写明标题（--title）和部门（--dept）")
            wf.check_submit(user, dept.strip())
        path = Path(file_path)
        data = read_input(path, ctx.config.limits)
        sha = hashlib.sha256(data).hexdigest()
        if precomputed is not None and precomputed[0].sha256 not in (None, sha):
            raise Refused(f"{user.label()}不能{what}：审查结果与所交文件不符，请重新上传")
        clock = ctx.config.clock()
        copies = copies_of(ctx.storage, sha)
        if copies and not allow_duplicate:  # before the scan: nothing to wait for
            raise refuse_duplicate(copies, path.name, clock)
        report, doc_number = precomputed or self.scan(data, path.name)
        if report.verdict == "error":
            err = report.error
            raise InputError(
                f"无法审查 {path.name}：{err.message if err else '未知错误'}",
                code=err.code if err else "error",
            )
        report_dict = report.to_dict()
        report_dict["path"] = path.name
        ensure_fingerprints(report_dict)
        rules, model = provenance(ctx.config)
        sha = ctx.blobs.put(data)  # durable before the event that names it commits
        with ctx.storage.write() as tx:
            user = ctx.authorize(tx, signer, what)
            copies = copies_of(tx, sha)  # again: someone may have submitted it meanwhile
            if copies and not allow_duplicate:
                raise refuse_duplicate(copies, path.name, clock)
            prior: int | None = None
            if revises:
                state = wf.fold_submission(tx.events_for(revises))
                if state is None:
                    raise Refused(f"{user.label()}不能{what}：台账中没有稿件 {revises}")
                wf.check_revise(state, user)
                sid, version, prior = revises, state.current + 1, state.current
                title = (title or "").strip() or state.title
                dept = (dept or "").strip() or state.dept
                channel = channel or state.channel
                if dept != state.dept:
                    wf.check_submit(user, dept)
            else:
                assert title is not None and dept is not None
                title, dept = title.strip(), dept.strip()
                wf.check_submit(user, dept)
                sid, version = tx.next_submission_id(int(ctx.now()[:4])), 1
            route = wf.route_for(report.verdict)
            # the document's own 文号; else one in the title, else in the file name
            doc_number = doc_number or number_in(title) or number_in(path.stem)
            payload: dict[str, Any] = {
                "title": title,
                "dept": dept,
                "channel": channel,
                "filename": path.name,
                "sha256": sha,
                "size": len(data),
                "format": report.format,
                "verdict": report.verdict,
                "route": route,
                "report": report_dict,
                "findings_summary": findings_summary(report_dict["findings"]),
                "doc_number": doc_number,
                "rules": rules,
                "model": model,
                "revises": prior,
            }
            if copies:
                payload["duplicate_of"] = [{"id": c.id, "version": c.version} for c in copies]
            ev = ctx.append(tx, signer, "submit", sid, version, payload)
            ctx.project(tx, sid)
        return {
            "id": sid,
            "version": version,
            "verdict": report.verdict,
            "route": route,
            "sha256": sha,
            "findings": len(report_dict["findings"]),
            "findings_summary": payload["findings_summary"],
            "doc_number": doc_number,
            "duplicate_of": [c.to_dict() for c in copies],
            "seq": ev.seq,
            "hash": ev.hash,
        }

"""The core API the CLI and tests call: the review workflow over the hash-chained ledger.

Every method takes the acting user's name and enforces permissions here, in the core. A refusal
raises :class:`Refused` before anything is written, so the ledger is left unchanged. Each
state-changing step runs in one write transaction that re-reads the submission's events,
re-checks the policy (workflow.py) and appends — two people acting at once cannot both win.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.checks import fingerprint
from secreview.config import Config
from secreview.errors import InputError, Refused, UsageError
from secreview.extract import read_input
from secreview.ledger.blobs import BlobStore, blob_dir_for
from secreview.ledger.chain import VerifyResult, verify
from secreview.ledger.storage import SCHEMA_VERSION, SQLiteStorage, Storage, SubmissionRow, utc_now
from secreview.mask import mask_numbers
from secreview.model import Event, Location, Report
from secreview.report.audit import Audit

log = logging.getLogger(__name__)

USER_ACTIONS = ("user_add", "user_disable")


def provenance(config: Config) -> tuple[dict[str, str], dict[str, str]]:
    """sha256 of every rule file and of the model (its manifest covers every model file)
    that a scan with this config uses — recorded with each submitted version."""
    from secreview.classify.check import model_hash
    from secreview.rules import load_ruleset

    rules = {
        f"{Path(path).parent.name}/{Path(path).name}": digest
        for path, digest in load_ruleset(config.rules_dirs).hashes.items()
    }
    digest = model_hash(config)
    return rules, ({"manifest.json": digest} if digest else {})


def _ensure_fingerprints(report: dict[str, Any]) -> None:
    for f in report.get("findings", []):
        if not f.get("fingerprint"):
            loc = Location.from_dict(f.get("location") or {"part": "body"})
            f["fingerprint"] = fingerprint(f.get("rule", ""), f.get("text", ""), loc)


def _summary(findings: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {}
    for f in findings:
        out.setdefault(f.get("category", "?"), Counter())[f.get("severity", "?")] += 1
    return {k: dict(v) for k, v in sorted(out.items())}


_NO_MASK_KEYS = frozenset(
    {"sha256", "fingerprint", "hash", "prev_hash", "url", "accepted", "confirmed"}
)


def mask_deep(obj: Any, key: str | None = None) -> Any:
    if isinstance(obj, str):
        return obj if key in _NO_MASK_KEYS else mask_numbers(obj)
    if isinstance(obj, dict):
        return {k: mask_deep(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [mask_deep(v, key) for v in obj]
    return obj


class Ledger:
    """The review workflow over one ledger (storage + blob store)."""

    def __init__(self, storage: Storage, blobs: BlobStore, config: Config) -> None:
        self.storage = storage
        self.blobs = blobs
        self.config = config

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, config: Config, *, create: bool = False, refresh: bool = True) -> Ledger:
        """Open the ledger; re-derive the projections if they lag the events.

        ``refresh=False`` (verify) reads the events only and writes nothing.
        """
        storage = SQLiteStorage(config.db_path, create=create)
        ledger = cls(storage, BlobStore(blob_dir_for(config.db_path)), config)
        if refresh and storage.projection_seq() != storage.head()[0]:
            ledger.rebuild_projections()
        return ledger

    @classmethod
    def init(cls, config: Config, actor: str | None) -> tuple[Ledger, dict[str, Any]]:
        """Create the ledger (idempotent): schema, blob folder and an ``init`` event."""
        ledger = cls.open(config, create=True)
        ledger.blobs.root.mkdir(parents=True, exist_ok=True)
        created = False
        with ledger.storage.write() as tx:
            if tx.head()[0] == 0:
                tx.append(
                    actor or "(unknown)",
                    "init",
                    None,
                    None,
                    {"ledger_id": uuid.uuid4().hex, "schema": SCHEMA_VERSION},
                )
                tx.set_projection_seq(tx.head()[0])
                created = True
        seq, head = ledger.storage.head()
        return ledger, {
            "db": str(config.db_path),
            "created": created,
            "events": seq,
            "head": head,
            "schema": SCHEMA_VERSION,
        }

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- projections ------------------------------------------------------------------------

    def _project(self, tx: Storage, sid: str | None = None, users: bool = False) -> None:
        if users:
            for u in wf.fold_users(tx.events_with_actions(USER_ACTIONS)).values():
                tx.put_user(u.name, list(u.roles), list(u.depts), u.active, tx.head()[0])
        if sid is not None:
            state = wf.fold_submission(tx.events_for(sid))
            if state is not None:
                self._put_state(tx, state)
        tx.set_projection_seq(tx.head()[0])

    @staticmethod
    def _put_state(tx: Storage, st: wf.SubmissionState) -> None:
        last = st.history[-1]
        tx.put_submission(
            SubmissionRow(
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
            ),
            {v: (vs.sha256, vs.status) for v, vs in st.versions.items()},
        )

    def rebuild_projections(self) -> int:
        """Re-derive users/submissions/versions from the events. Returns the events read."""
        with self.storage.write() as tx:
            tx.clear_projections()
            by_sid: dict[str, list[Event]] = {}
            user_events: list[Event] = []
            n = 0
            for ev in tx.iter_events():
                n += 1
                if ev.action in USER_ACTIONS:
                    user_events.append(ev)
                elif ev.submission_id is not None:
                    by_sid.setdefault(ev.submission_id, []).append(ev)
            for u in wf.fold_users(user_events).values():
                tx.put_user(u.name, list(u.roles), list(u.depts), u.active, n)
            for events in by_sid.values():
                state = wf.fold_submission(events)
                if state is not None:
                    self._put_state(tx, state)
            tx.set_projection_seq(tx.head()[0])
        return n

    # -- users ------------------------------------------------------------------------------

    def users(self) -> dict[str, wf.User]:
        return wf.fold_users(self.storage.events_with_actions(USER_ACTIONS))

    def whoami(self, actor: str | None, what: str) -> wf.User:
        return wf.require_user(self.users(), actor, what)

    def add_user(
        self, actor: str | None, name: str, roles: Sequence[str] | str, depts: Sequence[str] = ()
    ) -> dict[str, Any]:
        roles = [roles] if isinstance(roles, str) else list(roles)
        depts = [d.strip() for d in depts if d.strip()]
        with self.storage.write() as tx:
            plan = wf.plan_user_add(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, name, roles, depts
            )
            events = [tx.append(who, "user_add", None, None, payload) for who, payload in plan]
            self._project(tx, users=True)
        return {
            "added": [e.payload["name"] for e in events],
            "bootstrap": any(e.payload.get("bootstrap") for e in events),
            "user": {"name": name, "roles": roles, "depts": depts},
            "seq": events[-1].seq,
        }

    def disable_user(self, actor: str | None, name: str) -> dict[str, Any]:
        with self.storage.write() as tx:
            payload = wf.plan_user_disable(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, name
            )
            ev = tx.append(actor or "", "user_disable", None, None, payload)
            self._project(tx, users=True)
        return {"disabled": name, "seq": ev.seq}

    def list_users(self, actor: str | None) -> list[dict[str, Any]]:
        self.whoami(actor, "查看用户列表")
        return self.storage.list_users()

    # -- submit -----------------------------------------------------------------------------

    def scan(self, data: bytes, filename: str) -> tuple[Report, str | None]:
        from secreview.checks.docnumber import DocNumberProbe
        from secreview.pipeline import default_checks, scan_bytes

        probe = DocNumberProbe()
        report = scan_bytes(data, filename, self.config, [*default_checks(self.config), probe])
        return report, probe.found

    def submit(
        self,
        file_path: str | Path,
        title: str | None,
        dept: str | None,
        channel: str | None,
        revises: str | None,
        actor: str | None,
        *,
        precomputed: tuple[Report, str | None] | None = None,
    ) -> dict[str, Any]:
        """Scan the exact bytes, store them, record the submission and route it.

        ``precomputed`` (report, doc_number) skips the scan — for benchmarks of the ledger alone.
        """
        what = "提交修改稿" if revises else "提交稿件"
        user = self.whoami(actor, what)
        prior: wf.SubmissionState | None = None
        if revises:
            prior = self._state(revises, user)
            wf.check_revise(prior, user)
        else:
            if not (title and title.strip()) or not (dept and dept.strip()):
                raise Refused(f"{user.label()}不能{what}：须写明标题（--title）和部门（--dept）")
            wf.check_submit(user, dept.strip())
        path = Path(file_path)
        data = read_input(path, self.config.limits)
        report, doc_number = precomputed or self.scan(data, path.name)
        if report.verdict == "error":
            err = report.error
            raise InputError(
                f"无法审查 {path.name}：{err.message if err else '未知错误'}",
                code=err.code if err else "error",
            )
        report_dict = report.to_dict()
        report_dict["path"] = path.name
        _ensure_fingerprints(report_dict)
        rules, model = provenance(self.config)
        sha = self.blobs.put(data)  # durable before the event that names it commits
        with self.storage.write() as tx:
            user = wf.require_user(wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, what)
            if revises:
                state = wf.fold_submission(tx.events_for(revises))
                if state is None:
                    raise Refused(f"{user.label()}不能{what}：台账中没有稿件 {revises}")
                wf.check_revise(state, user)
                sid, version = revises, state.current + 1
                title = (title or "").strip() or state.title
                dept = (dept or "").strip() or state.dept
                channel = channel or state.channel
                if dept != state.dept:
                    wf.check_submit(user, dept)
            else:
                assert title is not None and dept is not None
                title, dept = title.strip(), dept.strip()
                ts = utc_now()
                sid, version = tx.next_submission_id(int(ts[:4])), 1
            route = wf.route_for(report.verdict)
            payload = {
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
                "findings_summary": _summary(report_dict["findings"]),
                "doc_number": doc_number,
                "rules": rules,
                "model": model,
                "revises": prior.current if prior else None,
            }
            ev = tx.append(user.name, "submit", sid, version, payload)
            self._project(tx, sid)
        return {
            "id": sid,
            "version": version,
            "verdict": report.verdict,
            "route": route,
            "sha256": sha,
            "findings": len(report_dict["findings"]),
            "findings_summary": payload["findings_summary"],
            "doc_number": doc_number,
            "seq": ev.seq,
            "hash": ev.hash,
        }

    # -- reading ----------------------------------------------------------------------------

    def _state(
        self, sid: str, user: wf.User | None = None, tx: Storage | None = None
    ) -> wf.SubmissionState:
        state = wf.fold_submission((tx or self.storage).events_for(sid))
        if state is None:
            who = f"{user.label()}：" if user else ""
            raise Refused(f"{who}台账中没有稿件 {sid}")
        return state

    def queue(self, actor: str | None) -> list[dict[str, Any]]:
        user = self.whoami(actor, "查看待办")
        by_role = {
            "reviewer": ["awaiting_review"],
            "leader": ["awaiting_signoff"],
            "drafter": ["returned", "signed_off"],
        }
        candidates = [s for r in user.roles for s in by_role.get(r, [])]
        if not candidates:
            return []
        states = [self._state(r.id) for r in self.storage.list_submissions(candidates)]
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

    def show(
        self, sid: str, actor: str | None, reveal: bool = False, version: int | None = None
    ) -> dict[str, Any]:
        user = self.whoami(actor, f"查看 {sid}")
        state = self._state(sid, user)
        if reveal:
            wf.check_reveal(user, sid)
        v = version or state.current
        if v not in state.versions:
            raise Refused(f"{user.label()}：稿件 {sid} 没有第 {v} 版")
        vs = state.versions[v]
        dismissed = vs.dismissals()
        accepted = set((vs.sign or {}).get("accepted", []))
        findings = []
        for f in vs.findings:
            fp = str(f.get("fingerprint", ""))
            if fp in dismissed:
                status = "dismissed_accepted" if fp in accepted else "dismissed"
            elif vs.review is not None and fp in vs.review.get("confirmed", []):
                status = "confirmed"
            else:
                status = "open"
            findings.append({**f, "status": status, "dismissal": dismissed.get(fp)})
        out: dict[str, Any] = {
            "id": sid,
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
                    "detail": _history_detail(e),
                }
                for e in state.history
            ],
            "revealed": reveal,
        }
        if reveal:
            with self.storage.write() as tx:
                tx.append(user.name, "reveal", sid, v, {})
                self._project(tx, sid)
            return out
        return mask_deep(out)

    # -- decisions --------------------------------------------------------------------------

    def review(
        self,
        sid: str,
        actor: str | None,
        approve: bool,
        dismissals: Sequence[tuple[str, str]] = (),
        comment: str | None = None,
    ) -> dict[str, Any]:
        with self.storage.write() as tx:
            user = wf.require_user(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, f"审查 {sid}"
            )
            state = self._state(sid, user, tx)
            payload = wf.plan_review(state, user, approve, dismissals, comment)
            ev = tx.append(user.name, "review", sid, state.current, payload)
            self._project(tx, sid)
            after = self._state(sid, user, tx)
        return {
            "id": sid,
            "version": state.current,
            "decision": payload["decision"],
            "status": after.status,
            "dismissed": len(payload["dismissals"]),
            "seq": ev.seq,
        }

    def sign(
        self,
        sid: str,
        actor: str | None,
        approve: bool,
        accept_dismissals: bool = False,
        comment: str | None = None,
    ) -> dict[str, Any]:
        with self.storage.write() as tx:
            user = wf.require_user(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, f"签批 {sid}"
            )
            state = self._state(sid, user, tx)
            payload = wf.plan_sign(state, user, approve, accept_dismissals, comment)
            payload["sha256"] = state.cur.sha256
            ev = tx.append(user.name, "sign", sid, state.current, payload)
            self._project(tx, sid)
        return {
            "id": sid,
            "version": state.current,
            "decision": payload["decision"],
            "status": "signed_off" if approve else "returned",
            "sha256": state.cur.sha256,
            "seq": ev.seq,
            "ts": ev.ts,
        }

    def publish(
        self, sid: str, actor: str | None, channel: str | None = None, url: str | None = None
    ) -> dict[str, Any]:
        with self.storage.write() as tx:
            user = wf.require_user(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, f"公开 {sid}"
            )
            state = self._state(sid, user, tx)
            wf.check_publish(state, user)
            vs = state.cur
            signed_sha = (vs.sign or {}).get("sha256", vs.sha256)
            try:
                self.blobs.get(signed_sha)
            except Refused as e:
                raise Refused(
                    f"{user.label()}不能公开 {sid}：存档的签批文件校验失败 — {e.message}"
                ) from e
            channel = channel or state.channel
            payload = {"sha256": signed_sha, "channel": channel, "url": url}
            ev = tx.append(user.name, "publish", sid, state.current, payload)
            self._project(tx, sid)
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
        """The signed-off submission whose current version has exactly these bytes, or None."""
        sha = hashlib.sha256(data).hexdigest()
        for sid, version in self.storage.versions_with_sha(sha):
            state = wf.fold_submission(self.storage.events_for(sid))
            if state is None or state.current != version or state.status not in wf.APPROVED:
                continue
            vs = state.cur
            return {
                "ok": True,
                "sha256": sha,
                "id": sid,
                "version": version,
                "title": state.title,
                "dept": state.dept,
                "status": vs.status,
                "signer": vs.signer,
                "sign_time": vs.sign_ts,
            }
        return None

    def export(
        self, sid: str, version: int | None, actor: str | None
    ) -> tuple[bytes, dict[str, Any]]:
        with self.storage.write() as tx:
            user = wf.require_user(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, f"导出 {sid}"
            )
            state = self._state(sid, user, tx)
            wf.check_export(user, sid)
            v = version or state.current
            if v not in state.versions:
                raise Refused(f"{user.label()}不能导出：稿件 {sid} 没有第 {v} 版")
            vs = state.versions[v]
            data = self.blobs.get(vs.sha256)
            tx.append(user.name, "export", sid, v, {"sha256": vs.sha256})
            self._project(tx, sid)
        return data, {
            "id": sid,
            "version": v,
            "sha256": vs.sha256,
            "filename": vs.filename,
            "size": len(data),
        }

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        return verify(self.storage, self.blobs, expect_head)

    # -- audit and sweep --------------------------------------------------------------------

    def audit(
        self,
        actor: str | None,
        period_from: str | None = None,
        period_to: str | None = None,
        dept: str | None = None,
        office: str | None = None,
        fmt: str = "text",
    ) -> Audit:
        """The 台账 for the period (auditor/admin). The request itself is recorded first, so
        the printed head hash covers it; then the chain is verified and the audit built."""
        from secreview.report.build import build_audit, parse_day

        try:
            start, end = parse_day(period_from), parse_day(period_to)
        except ValueError as e:
            raise UsageError(f"日期格式应为 YYYY-MM-DD（如 2026-01-31）：{e}") from e
        if start and end and start > end:
            raise UsageError(f"起始日期 {period_from} 晚于截止日期 {period_to}")
        with self.storage.write() as tx:
            user = wf.require_user(
                wf.fold_users(tx.events_with_actions(USER_ACTIONS)), actor, "生成保密审查台账"
            )
            wf.check_audit(user)
            tx.append(
                user.name,
                "audit",
                None,
                None,
                {"from": period_from, "to": period_to, "dept": dept, "format": fmt},
            )
            tx.set_projection_seq(tx.head()[0])
        result = self.verify()
        message = "；".join(p.reason for p in result.problems[:3])
        with self.storage.reading() as rd:
            return build_audit(
                rd.iter_events(),
                period_from=period_from,
                period_to=period_to,
                dept=dept,
                office=office,
                head=(result.events, result.head),
                verify_ok=result.ok,
                verify_message=message,
            )

    def sweep(
        self,
        actor: str | None,
        paths: Sequence[str | Path],
        jobs: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """定期梳理 of published files (auditor/admin); see secreview.sweep."""
        from secreview.sweep import run_sweep

        user = self.whoami(actor, "对已公开文件进行定期梳理")
        wf.check_sweep(user)
        if not paths:
            raise UsageError("请指定要梳理的文件或文件夹")
        return run_sweep(
            self.storage,
            self.config,
            user.name,
            paths,
            jobs=jobs,
            progress=progress,
            provenance=provenance(self.config),
        )


def _history_detail(ev: Event) -> dict[str, Any]:
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

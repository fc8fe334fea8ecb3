"""The core API the CLI and tests call: the review workflow over the signed, hash-chained ledger.

Every action that writes takes a :class:`~secreview.ledger.signing.Signer` — the acting user's
key, unlocked with their passphrase (accounts.py) — and enforces permissions here, in the core:
inside one write transaction the signer's key is checked against the verified key history, the
policy (workflow.py) is re-checked on the events themselves, and the event is signed and
appended — two people acting at once cannot both win. A refusal raises :class:`Refused` before
anything is written, so the ledger is left unchanged. Reads (``queue``, ``show``) take a name.

``review``, ``sign``, ``publish`` and ``check`` first verify what the item rests on
(integrity.py, ``item=`` scope: the whole chain, the key history, the item's own events and
signatures, the policy replayed) and refuse on a broken ledger; they never use a derived table.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from secreview import workflow as wf
from secreview.accounts import Accounts, Clock
from secreview.checks import fingerprint
from secreview.checks.docnumber import number_in
from secreview.config import Config
from secreview.directory import IDENTITY_ACTIONS, Directory
from secreview.duplicates import copies_of, refuse_duplicate
from secreview.errors import InputError, Refused, UsageError
from secreview.extract import read_input
from secreview.integrity import project_state, verify_item, verify_ledger
from secreview.ledger import checkpoints as cps
from secreview.ledger.blobs import BlobStore, blob_dir_for
from secreview.ledger.chain import VerifyResult, append
from secreview.ledger.keys import DEFAULT_COST
from secreview.ledger.signing import Signer
from secreview.ledger.storage import SQLiteStorage, Storage
from secreview.mask import mask_numbers
from secreview.model import Event, Location, Report
from secreview.numbering import numbered, resolve
from secreview.report.audit import Audit

log = logging.getLogger(__name__)


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

    def __init__(
        self,
        storage: Storage,
        blobs: BlobStore,
        config: Config,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.storage = storage
        self.blobs = blobs
        self.config = config
        self.accounts = Accounts(storage, clock=clock, sleep=sleep)

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        config: Config,
        *,
        create: bool = False,
        refresh: bool = True,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Ledger:
        """Open the ledger; re-derive the projections if they lag the events.

        ``refresh=False`` (verify) reads the events only and writes nothing.
        """
        storage = SQLiteStorage(config.db_path, create=create)
        ledger = cls(
            storage, BlobStore(blob_dir_for(config.db_path)), config, clock=clock, sleep=sleep
        )
        if refresh and not storage.read_only and storage.projection_seq() != storage.head()[0]:
            ledger.rebuild_projections()
        return ledger

    @classmethod
    def init(
        cls,
        config: Config,
        admin: str,
        passphrase: str,
        office: str | None = None,
        kdf_cost: int = DEFAULT_COST,
        *,
        clock: Clock | None = None,
    ) -> tuple[Ledger, dict[str, Any]]:
        """Create the ledger with its first admin (their key, under their passphrase)."""
        ledger = cls.open(config, create=True, clock=clock)
        try:
            ledger.blobs.create_root()
            info = ledger.accounts.create(admin, passphrase, office, kdf_cost)
        except BaseException:
            ledger.close()
            raise
        info["db"] = str(config.db_path)
        return ledger, info

    def unlock(self, name: str | None, passphrase: str, what: str = "操作") -> Signer:
        return self.accounts.unlock(name, passphrase, what)

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> str:
        return self.accounts.now()

    # -- projections ------------------------------------------------------------------------

    def _project(self, tx: Storage, sid: str | None = None) -> None:
        if sid is not None:
            state = wf.fold_submission(tx.events_for(sid))
            if state is not None:
                row, versions = project_state(state)
                tx.put_submission(row, versions)
        tx.set_projection_seq(tx.head()[0])

    def rebuild_projections(self) -> int:
        """Re-derive users/submissions/versions from the events. Returns the events read."""
        with self.storage.write() as tx:
            tx.clear_projections()
            by_sid: dict[str, list[Event]] = {}
            directory = Directory()
            n = 0
            for ev in tx.iter_events():
                n += 1
                if ev.action in IDENTITY_ACTIONS:
                    directory.apply_event(ev)
                elif ev.submission_id is not None and ev.action in wf.ITEM_ACTIONS:
                    by_sid.setdefault(ev.submission_id, []).append(ev)
            self.accounts.project_users(tx, directory)
            for events in by_sid.values():
                state = wf.fold_submission(events)
                if state is not None:
                    row, versions = project_state(state)
                    tx.put_submission(row, versions)
            tx.set_projection_seq(tx.head()[0])
        return n

    # -- users ------------------------------------------------------------------------------

    def users(self) -> dict[str, wf.User]:
        """Who is registered (an unverified read; writes authorize on the verified fold)."""
        return self.accounts.unverified().users()

    def whoami(self, actor: str | None, what: str) -> wf.User:
        return wf.require_user(self.users(), wf.user_name(actor) if actor else None, what)

    def _authorize(self, tx: Storage, signer: Signer, what: str) -> wf.User:
        return self.accounts.authorize(tx, signer, what)[0]

    def _append(
        self,
        tx: Storage,
        signer: Signer,
        action: str,
        sid: str | None,
        version: int | None,
        payload: dict[str, Any],
    ) -> Event:
        return append(tx, signer, action, sid, version, payload, self.now())

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
        signer: Signer,
        *,
        precomputed: tuple[Report, str | None] | None = None,
        allow_duplicate: bool = False,
    ) -> dict[str, Any]:
        """Scan the exact bytes, store them, record the submission and route it.

        Bytes already in the ledger (the same sha256) are refused, naming the item that holds
        them, unless ``allow_duplicate`` (then recorded as ``duplicate_of``; duplicates.py).
        ``precomputed`` (report, doc_number) skips the scan — for benchmarks of the ledger alone.
        """
        what = "提交修改稿" if revises else "提交稿件"
        if self.storage.read_only:  # before the scan and the archive, not after
            raise self.storage.refuse_read_only()
        user = self.whoami(signer.name, what)
        if revises:
            wf.check_revise(self._state(revises, user), user)
        else:
            if not (title and title.strip()) or not (dept and dept.strip()):
                raise Refused(f"{user.label()}不能{what}：须写明标题（--title）和部门（--dept）")
            wf.check_submit(user, dept.strip())
        path = Path(file_path)
        data = read_input(path, self.config.limits)
        clock = self.config.clock()
        copies = copies_of(self.storage, hashlib.sha256(data).hexdigest())
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
        _ensure_fingerprints(report_dict)
        rules, model = provenance(self.config)
        sha = self.blobs.put(data)  # durable before the event that names it commits
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, what)
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
                sid, version = tx.next_submission_id(int(self.now()[:4])), 1
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
                "findings_summary": _summary(report_dict["findings"]),
                "doc_number": doc_number,
                "rules": rules,
                "model": model,
                "revises": prior,
            }
            if copies:
                payload["duplicate_of"] = [{"id": c.id, "version": c.version} for c in copies]
            ev = self._append(tx, signer, "submit", sid, version, payload)
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
            "duplicate_of": [c.to_dict() for c in copies],
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

    def _verified_state(
        self, tx: Storage, sid: str, user: wf.User, what: str
    ) -> wf.SubmissionState:
        """The item's state from its verified events — or a refusal saying what is wrong."""
        result, state = verify_item(
            tx, self.blobs, sid, checkpoints=self._checkpoints(), where=self._where()
        )
        if not result.ok:
            raise Refused(f"{user.label()}不能{what}：{refusal(result)}", code="ledger_broken")
        if state is None:
            raise Refused(f"{user.label()}：台账中没有稿件 {sid}")
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
        self,
        sid: str,
        actor: str | None,
        reveal: bool = False,
        version: int | None = None,
        signer: Signer | None = None,
    ) -> dict[str, Any]:
        """Findings in context and the history. ``reveal`` (recorded) needs the signer."""
        user = self.whoami(actor, f"查看 {sid}")
        state = self._state(sid, user)
        if reveal:
            wf.check_reveal(user, sid)
            if signer is None or signer.name != user.name:
                raise Refused(f"{user.label()}查看未遮盖内容须输入本人口令（此操作记入台账）")
        v = version or state.current
        if v not in state.versions:
            raise Refused(f"{user.label()}：稿件 {sid} 没有第 {v} 版")
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
                    "detail": _history_detail(e),
                }
                for e in state.history
            ],
            "revealed": reveal,
        }
        if reveal:
            assert signer is not None
            with self.storage.write() as tx:
                user = self._authorize(tx, signer, f"查看 {sid} 中未遮盖的个人信息")
                wf.check_reveal(user, sid)
                self._append(tx, signer, "reveal", sid, v, {})
                self._project(tx, sid)
            return out
        return mask_deep(out)

    # -- decisions --------------------------------------------------------------------------

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
        what = f"审查 {sid}"
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, what)
            state = self._verified_state(tx, sid, user, what)
            fps = resolve(
                state.cur.findings, [ref for ref, _ in dismissals], f"{sid} 第 {state.current} 版"
            )
            chosen = [(fp, reason) for fp, (_, reason) in zip(fps, dismissals, strict=True)]
            payload = wf.plan_review(state, user, approve, chosen, comment)
            ev = self._append(tx, signer, "review", sid, state.current, payload)
            self._project(tx, sid)
            after = self._state(sid, user, tx)
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
        what = f"签批 {sid}"
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, what)
            state = self._verified_state(tx, sid, user, what)
            payload = wf.plan_sign(state, user, approve, accept_dismissals, comment)
            payload["sha256"] = state.cur.sha256
            ev = self._append(tx, signer, "sign", sid, state.current, payload)
            self._project(tx, sid)
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

    def publish(
        self, sid: str, signer: Signer, channel: str | None = None, url: str | None = None
    ) -> dict[str, Any]:
        what = f"公开 {sid}"
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, what)
            state = self._verified_state(tx, sid, user, what)
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
            ev = self._append(tx, signer, "publish", sid, state.current, payload)
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
        """The signed-off submission whose current version has exactly these bytes, or None.

        Answers only from verified events: the chain, the key history and each candidate
        item's own events and signatures are checked first, the policy replayed; a ledger that
        fails is a :class:`Refused` naming why — never a pass. No derived table is read.
        """
        sha = hashlib.sha256(data).hexdigest()
        with self.storage.reading() as rd:
            candidates = rd.submits_naming(sha)
            kw = {"checkpoints": self._checkpoints(), "where": self._where()}
            if not candidates:
                result, _ = verify_item(rd, self.blobs, "", **kw)  # type: ignore[arg-type]
                if not result.ok:
                    raise Refused(f"无法核验：{refusal(result)}", code="ledger_broken")
                return None
            for sid in candidates:
                result, state = verify_item(rd, self.blobs, sid, **kw)  # type: ignore[arg-type]
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

        sha = hashlib.sha256(data).hexdigest()
        with self.storage.reading() as rd:
            found = explain_bytes(rd.iter_events(), filename, sha)
            sid = found.get("submission_id")
            if sid:
                kw = {"checkpoints": self._checkpoints(), "where": self._where()}
                result, _ = verify_item(rd, self.blobs, sid, **kw)  # type: ignore[arg-type]
                if not result.ok:
                    raise Refused(f"无法核验 {sid}：{refusal(result)}", code="ledger_broken")
        keep = ("verdict", "submission_id", "version", "title", "detail", "signed_sha256")
        return {"ok": False, "sha256": sha, **{k: found.get(k) for k in keep}}

    def export(self, sid: str, version: int | None, signer: Signer) -> tuple[bytes, dict[str, Any]]:
        what = f"导出 {sid}"
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, what)
            wf.check_export(user, sid)
            state = self._state(sid, user, tx)
            v = version or state.current
            if v not in state.versions:
                raise Refused(f"{user.label()}不能导出：稿件 {sid} 没有第 {v} 版")
            vs = state.versions[v]
            data = self.blobs.get(vs.sha256)
            self._append(tx, signer, "export", sid, v, {"sha256": vs.sha256})
            self._project(tx, sid)
        return data, {
            "id": sid,
            "version": v,
            "sha256": vs.sha256,
            "filename": vs.filename,
            "size": len(data),
        }

    # -- verification and checkpoints --------------------------------------------------------

    def _checkpoints(self, path: Path | None = None) -> list[cps.Checkpoint]:
        target = path or self.config.checkpoints_path()
        try:
            return cps.load(target)
        except cps.CheckpointFileError as e:
            raise UsageError(str(e), code="bad_checkpoints") from e

    def _where(self) -> str:
        return str(self.config.db_path.resolve())

    def verify(
        self,
        expect_head: str | None = None,
        checkpoints: Path | None = None,
        jobs: int | None = None,
    ) -> VerifyResult:
        return verify_ledger(
            self.storage,
            self.blobs,
            expect_head=expect_head,
            checkpoints=self._checkpoints(checkpoints),
            where=self._where(),
            jobs=jobs,
        )

    def checkpoint(self, signer: Signer, path: Path | None = None) -> dict[str, Any]:
        """Record the verified head, signed by an auditor, in the ledger and in their file."""
        target = path or self.config.checkpoints_path()
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, "记录台账检查点")
            wf.check_checkpoint(user)
            result = verify_ledger(
                tx,
                self.blobs,
                checkpoints=self._checkpoints(target),
                where=self._where(),
            )
            if not result.ok:
                raise Refused(
                    f"{user.label()}不能记录检查点：{refusal(result)}", code="ledger_broken"
                )
            first = next(iter(tx.iter_raw(1, 2)))
            ev = self._append(
                tx, signer, "checkpoint", None, None, {"seq": result.events, "head": result.head}
            )
            tx.set_projection_seq(tx.head()[0])
            cp = cps.Checkpoint(
                result.ledger_id, first[8], ev.seq, ev.hash, ev.ts, signer.name, self._where()
            )
            cps.add(target, cp)  # before the commit: a checkpoint never names a missing event
        return {**cp.to_dict(), "file": str(target), "verified_events": result.events}

    # -- audit and sweep --------------------------------------------------------------------

    def audit(
        self,
        signer: Signer,
        period_from: str | None = None,
        period_to: str | None = None,
        dept: str | None = None,
        office: str | None = None,
        fmt: str = "text",
        annual: int | None = None,
    ) -> Audit:
        """The 台账 for the period (auditor/admin). The request itself is recorded first, so
        the printed head hash covers it; then the ledger is verified and the audit built.
        ``annual`` (a year): the period is that year, and the annual report's 保密审查
        paragraph and table are added (report/annual.py)."""
        from secreview.report.build import build_audit, parse_day

        if annual is not None:
            if period_from or period_to:
                raise UsageError("--annual 与 --from/--to 不能同时使用（年度报告的期间即该年）")
            if not 2000 <= annual <= 2100:
                raise UsageError(f"年份 {annual} 不合理（如 --annual 2026）")
            period_from, period_to = f"{annual}-01-01", f"{annual}-12-31"
        try:
            start, end = parse_day(period_from), parse_day(period_to)
        except ValueError as e:
            raise UsageError(f"日期格式应为 YYYY-MM-DD（如 2026-01-31）：{e}") from e
        if start and end and start > end:
            raise UsageError(f"起始日期 {period_from} 晚于截止日期 {period_to}")
        if self.storage.read_only:  # an inspector's read-only copy: the request cannot be noted
            with self.storage.reading() as rd:
                who, _ = self.accounts.authorize(rd, signer, "生成保密审查台账", report=False)
                wf.check_audit(who)
        else:
            self._record_audit(signer, period_from, period_to, dept, fmt, annual)
        result = self.verify()
        message = "；".join(p.reason for p in result.problems[:3])
        with self.storage.reading() as rd:
            audit = build_audit(
                rd.iter_events(),
                period_from=period_from,
                period_to=period_to,
                dept=dept,
                office=office,
                head=(result.events, result.head),
                verify_ok=result.ok,
                verify_message=message,
                clock=self.config.clock(),
                annual=annual,
            )
        audit.read_only = self.storage.read_only
        return audit

    def _record_audit(
        self,
        signer: Signer,
        period_from: str | None,
        period_to: str | None,
        dept: str | None,
        fmt: str,
        annual: int | None,
    ) -> None:
        """The audit request, recorded before the audit is built (its head hash covers it)."""
        with self.storage.write() as tx:
            user = self._authorize(tx, signer, "生成保密审查台账")
            wf.check_audit(user)
            self._append(
                tx,
                signer,
                "audit",
                None,
                None,
                {
                    "from": period_from,
                    "to": period_to,
                    "dept": dept,
                    "format": fmt,
                    **({"annual": annual} if annual is not None else {}),
                },
            )
            tx.set_projection_seq(tx.head()[0])

    def sweep(
        self,
        signer: Signer,
        paths: Sequence[str | Path],
        jobs: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, Any]:
        """定期梳理 of published files (auditor/admin); see secreview.sweep."""
        from secreview.sweep import run_sweep

        user = self.whoami(signer.name, "对已公开文件进行定期梳理")
        wf.check_sweep(user)
        if not paths:
            raise UsageError("请指定要梳理的文件或文件夹")
        with self.storage.write() as tx:
            self._authorize(tx, signer, "对已公开文件进行定期梳理")

        def record(
            action: str, sid: str | None, version: int | None, payload: dict[str, Any]
        ) -> Event:
            with self.storage.write() as tx:
                ev = self._append(tx, signer, action, sid, version, payload)
                tx.set_projection_seq(tx.head()[0])  # sweep events change no projection
            return ev

        return run_sweep(
            self.storage,
            self.config,
            record,
            paths,
            jobs=jobs,
            progress=progress,
            provenance=provenance(self.config),
        )


def refusal(result: VerifyResult) -> str:
    """One line: why a broken ledger is refused (the first problem, and how many more)."""
    first = result.problems[0]
    more = len(result.problems) - 1 + result.more_problems
    tail = f"（另有 {more} 个问题，详见 secreview ledger verify）" if more else ""
    where = (
        f"第 {first.seq} 条："
        if first.seq is not None and f"第 {first.seq} 条" not in first.reason
        else ""
    )
    return f"台账校验未通过——{where}{first.reason}{tail}"


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

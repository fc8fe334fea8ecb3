"""The approval state machine and routing policy: pure functions over ledger events, no I/O.

Events (``action`` → payload); users and keys (``init``, ``user_*``, ``key_*``) are folded by
directory.py:

- ``submit`` {title, dept, channel, filename, sha256, size, format, verdict, route, report,
  findings_summary, doc_number, rules, model, revises} — version n of a submission
- ``review`` {decision, dismissals: [{fingerprint, reason, rule, category, severity}],
  confirmed: [fingerprint], comment}
- ``sign`` {decision, accept_dismissals, accepted: [fingerprint], comment}
- ``publish`` {sha256, channel, url} · ``reveal`` {} · ``export`` {sha256}

Policy (DESIGN.md §1): verdict ``pass`` → leader only; ``review``/``block`` → reviewer, then
leader. A block finding is cleared only by a new revision or by a reviewer's dismissal that
the signing leader explicitly accepts. The drafter never reviews or signs their own item; the
reviewer and the signer of one version differ. Each refusal is a :class:`Refused` whose
message says who, what and why.

The same checks run twice: before an action is recorded (``plan_*``/``check_*``) and when the
recorded events are replayed (:func:`permitted`) by verify, ``check`` and ``publish`` — so an
event that a signature vouches for but the policy never allowed (a drafter's self-signed
"approval" written straight into the database) is still refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from secreview.errors import Refused
from secreview.model import Event
from secreview.names import BadName, lookalike_of, normalise_name

ROLES = ("drafter", "reviewer", "leader", "auditor", "admin")
ROLE_ZH = {
    "drafter": "拟稿人",
    "reviewer": "保密审查员",
    "leader": "审核领导",
    "auditor": "审计员",
    "admin": "管理员",
}
STATUS_ZH = {
    "awaiting_review": "待保密审查",
    "awaiting_signoff": "待领导签批",
    "returned": "已退回拟稿人",
    "signed_off": "已签批，可公开",
    "published": "已公开",
    "superseded": "已被新版本取代",
}
WAITING_FOR = {
    "awaiting_review": "reviewer",
    "awaiting_signoff": "leader",
    "returned": "drafter",
    "signed_off": "drafter",
}
APPROVED = frozenset({"signed_off", "published"})
ACTIONABLE_SEVERITIES = frozenset({"block", "review"})


@dataclass(frozen=True)
class User:
    name: str
    roles: tuple[str, ...]
    depts: tuple[str, ...] = ()
    active: bool = True

    def label(self) -> str:
        return f"{self.name}（{'/'.join(ROLE_ZH.get(r, r) for r in self.roles)}）"

    def has(self, role: str) -> bool:
        return role in self.roles

    def covers(self, dept: str) -> bool:
        """A user without departments acts for all; otherwise only for their departments."""
        return not self.depts or dept in self.depts

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "roles": list(self.roles),
            "depts": list(self.depts),
            "active": self.active,
        }


@dataclass
class VersionState:
    version: int
    sha256: str
    filename: str
    verdict: str
    route: list[str]
    findings: list[dict[str, Any]]
    submitted_seq: int
    submitted_ts: str
    status: str
    reviewer: str | None = None
    review: dict[str, Any] | None = None
    review_ts: str | None = None
    signer: str | None = None
    sign: dict[str, Any] | None = None
    sign_ts: str | None = None
    returned_by: str | None = None
    returned_reason: str | None = None
    publications: list[dict[str, Any]] = field(default_factory=list)

    def dismissals(self) -> dict[str, dict[str, Any]]:
        if not self.review:
            return {}
        return {d["fingerprint"]: d for d in self.review.get("dismissals", [])}

    def open_block_findings(self, accepted: bool) -> list[dict[str, Any]]:
        """Block findings not cleared: not dismissed, or dismissed but not accepted."""
        dismissed = self.dismissals()
        return [
            f
            for f in self.findings
            if f.get("severity") == "block"
            and (f.get("fingerprint") not in dismissed or not accepted)
        ]


@dataclass
class SubmissionState:
    id: str
    title: str
    dept: str
    channel: str | None
    drafter: str
    versions: dict[int, VersionState] = field(default_factory=dict)
    current: int = 0
    history: list[Event] = field(default_factory=list)

    @property
    def cur(self) -> VersionState:
        return self.versions[self.current]

    @property
    def status(self) -> str:
        return self.cur.status


# -- folding events into state ------------------------------------------------------------------


def fold_submission(events: Sequence[Event]) -> SubmissionState | None:
    """The state of one submission from its events (in seq order); None if never submitted."""
    state: SubmissionState | None = None
    for ev in events:
        state = apply_event(state, ev)
    return state


def apply_event(state: SubmissionState | None, ev: Event) -> SubmissionState | None:
    """The submission's state after one more of its events."""
    p = ev.payload
    if ev.action == "submit":
        if state is None:
            state = SubmissionState(
                ev.submission_id or "", p["title"], p["dept"], p.get("channel"), ev.actor
            )
        else:
            state.title, state.dept = p["title"], p["dept"]
            state.channel = p.get("channel") or state.channel
            state.cur.status = "superseded"
        v = ev.version or 1
        route = list(p.get("route", route_for(p["verdict"])))
        state.versions[v] = VersionState(
            version=v,
            sha256=p["sha256"],
            filename=p.get("filename", ""),
            verdict=p["verdict"],
            route=route,
            findings=list(p.get("report", {}).get("findings", [])),
            submitted_seq=ev.seq,
            submitted_ts=ev.ts,
            status="awaiting_review" if route[0] == "reviewer" else "awaiting_signoff",
        )
        state.current = v
    elif state is None or ev.version not in state.versions:
        pass
    else:
        vs = state.versions[ev.version]
        if ev.action in ("review", "sign"):
            if ev.action == "review":
                vs.reviewer, vs.review, vs.review_ts = ev.actor, p, ev.ts
                approved = "awaiting_signoff"
            else:
                vs.signer, vs.sign, vs.sign_ts = ev.actor, p, ev.ts
                approved = "signed_off"
            if p["decision"] == "approve":
                vs.status = approved
            else:  # a rejection returns the item to the drafter with the reason
                vs.status, vs.returned_by, vs.returned_reason = (
                    "returned",
                    ev.actor,
                    p.get("comment"),
                )
        elif ev.action == "publish":
            vs.publications.append(
                {
                    "actor": ev.actor,
                    "ts": ev.ts,
                    "channel": p.get("channel"),
                    "url": p.get("url"),
                }
            )
            vs.status = "published"
    if state is not None:
        state.history.append(ev)
    return state


def route_for(verdict: str) -> list[str]:
    return ["leader"] if verdict == "pass" else ["reviewer", "leader"]


# -- permissions and decisions --------------------------------------------------------------------


def require_user(users: dict[str, User], name: str | None, what: str) -> User:
    """The registered, active user ``name`` — or a refusal naming who tried what."""
    if not name:
        raise Refused(f"无法确定操作者身份，不能{what}：请用 --as 或 SECREVIEW_USER 指定用户")
    user = users.get(name)
    if user is None:
        raise Refused(
            f"用户「{name}」未在台账中登记，不能{what}：请管理员先用 secreview user add 登记"
        )
    if not user.active:
        raise Refused(f"用户「{name}」已停用，不能{what}")
    return user


def require_role(user: User, roles: Iterable[str], what: str) -> None:
    allowed = tuple(roles)
    if not any(r in user.roles for r in allowed):
        names = "、".join(ROLE_ZH[r] for r in allowed)
        raise Refused(f"{user.label()}不能{what}：只有{names}可以这样做")


def user_name(raw: str) -> str:
    """The normal form of a user name (NFKC, spaces folded); a refusal for a bad one."""
    try:
        return normalise_name(raw)
    except BadName as e:
        raise Refused(f"用户名「{raw}」不可用：{e}") from e


def plan_user_add(
    users: dict[str, User],
    admin: User,
    name: str,
    roles: Sequence[str],
    depts: Sequence[str],
) -> dict[str, Any]:
    """The ``user_add`` payload (without its enrolment key) — only an admin adds users.

    The name is normalised; a name already used, or one a reader could not tell apart from a
    registered one (spaces, invisible or look-alike characters), is refused. A user may hold
    several roles (a small office's reviewer may also be a leader); the separation of duties
    is then enforced per submission.
    """
    name = user_name(name)
    what = f"登记用户「{name}」"
    require_role(admin, ["admin"], what)
    roles = list(dict.fromkeys(roles))
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise Refused(f"未知角色「{'、'.join(bad)}」，不能{what}：角色须为 {'/'.join(ROLES)}")
    if name in users:
        raise Refused(f"{admin.label()}不能{what}：该用户已登记为{users[name].label()}")
    twin = lookalike_of(name, users)
    if twin is not None:
        raise Refused(
            f"{admin.label()}不能{what}：与已登记的用户「{twin}」难以区分"
            "（仅空白、不可见字符、大小写或形近字符不同）"
        )
    return {"name": name, "roles": roles, "depts": list(depts)}


def plan_user_disable(users: dict[str, User], admin: User, name: str) -> dict[str, Any]:
    what = f"停用用户「{name}」"
    require_role(admin, ["admin"], what)
    if name not in users:
        raise Refused(f"{admin.label()}不能{what}：该用户未登记")
    if name == admin.name:
        raise Refused(f"{admin.label()}不能{what}：不能停用自己")
    if not users[name].active:
        raise Refused(f"{admin.label()}不能{what}：该用户已停用")
    return {"name": name}


def check_key_reset(users: dict[str, User], admin: User, name: str) -> None:
    what = f"重置用户「{name}」的密钥"
    require_role(admin, ["admin"], what)
    if name not in users:
        raise Refused(f"{admin.label()}不能{what}：该用户未登记")
    if not users[name].active:
        raise Refused(f"{admin.label()}不能{what}：该用户已停用")


def check_submit(user: User, dept: str) -> None:
    what = f"为「{dept}」提交稿件"
    require_role(user, ["drafter"], what)
    if not user.covers(dept):
        raise Refused(f"{user.label()}不能{what}：只能提交本部门（{'、'.join(user.depts)}）的稿件")


def check_revise(state: SubmissionState, user: User) -> None:
    what = f"提交 {state.id} 的修改稿"
    require_role(user, ["drafter"], what)
    if user.name != state.drafter:
        raise Refused(
            f"{user.label()}不能{what}：该稿件由「{state.drafter}」起草，只有拟稿人可以修改"
        )


def _not_in_state(user: User, what: str, state: SubmissionState) -> Refused:
    return Refused(
        f"{user.label()}不能{what}：第 {state.current} 版当前状态为「{STATUS_ZH[state.status]}」"
    )


def plan_review(
    state: SubmissionState,
    user: User,
    approve: bool,
    dismissals: Sequence[tuple[str, str]],
    comment: str | None,
) -> dict[str, Any]:
    what = f"审查 {state.id}"
    if user.name == state.drafter:
        raise Refused(f"{user.label()}不能{what}：不能审查自己起草的稿件")
    require_role(user, ["reviewer"], what)
    if not user.covers(state.dept):
        raise Refused(f"{user.label()}不能{what}：该稿件属于「{state.dept}」，不在其负责的部门内")
    if state.status != "awaiting_review":
        raise _not_in_state(user, what, state)
    vs = state.cur
    by_fp = {f.get("fingerprint"): f for f in vs.findings}
    seen: dict[str, dict[str, Any]] = {}
    for fp, reason in dismissals:
        if fp not in by_fp:
            raise Refused(f"{user.label()}不能{what}：第 {vs.version} 版没有指纹为 {fp} 的问题")
        if not reason.strip():
            raise Refused(f"{user.label()}不能{what}：排除问题 {fp} 须说明理由（--reason）")
        if fp in seen:
            raise Refused(f"{user.label()}不能{what}：问题 {fp} 被重复排除")
        f = by_fp[fp]
        seen[fp] = {
            "fingerprint": fp,
            "reason": reason.strip(),
            "rule": f.get("rule"),
            "category": f.get("category"),
            "severity": f.get("severity"),
        }
    actionable = [f for f in vs.findings if f.get("severity") in ACTIONABLE_SEVERITIES]
    confirmed = [f["fingerprint"] for f in actionable if f.get("fingerprint") not in seen]
    if approve and confirmed:
        raise Refused(
            f"{user.label()}不能同意公开 {state.id}：还有 {len(confirmed)} 个问题未排除"
            f"（如 {confirmed[0]}）；请逐项用 --dismiss 指纹 --reason 理由 排除，或 --reject 退回"
        )
    if not approve and not (comment and comment.strip()):
        raise Refused(f"{user.label()}不能退回 {state.id}：退回须说明理由（--comment）")
    return {
        "decision": "approve" if approve else "reject",
        "dismissals": list(seen.values()),
        "confirmed": confirmed,
        "comment": (comment or "").strip() or None,
    }


def plan_sign(
    state: SubmissionState, user: User, approve: bool, accept_dismissals: bool, comment: str | None
) -> dict[str, Any]:
    what = f"签批 {state.id}"
    vs = state.cur
    if user.name == state.drafter:
        raise Refused(f"{user.label()}不能{what}：不能签批自己起草的稿件")
    require_role(user, ["leader"], what)
    if user.name == vs.reviewer:
        raise Refused(
            f"{user.label()}不能{what}：已担任第 {vs.version} 版的保密审查员，审查与签批须由不同人员"
        )
    if not user.covers(state.dept):
        raise Refused(
            f"{user.label()}不能{what}：该稿件属于「{state.dept}」，不在其分管的部门"
            f"（{'、'.join(user.depts)}）内"
        )
    if state.status != "awaiting_signoff":
        raise _not_in_state(user, what, state)
    dismissed_blocks = [
        f["fingerprint"]
        for f in vs.findings
        if f.get("severity") == "block" and f.get("fingerprint") in vs.dismissals()
    ]
    if approve:
        open_blocks = vs.open_block_findings(accepted=accept_dismissals)
        if open_blocks:
            if dismissed_blocks and not accept_dismissals:
                raise Refused(
                    f"{user.label()}不能{what}：有 {len(dismissed_blocks)} 个禁止级问题仅由审查员排除，"
                    "须由领导明确接受（--accept-dismissals），或由拟稿人提交修改稿"
                )
            raise Refused(
                f"{user.label()}不能{what}：有 {len(open_blocks)} 个禁止级问题未消除"
                f"（如 {open_blocks[0].get('fingerprint')}），须提交修改稿"
            )
    elif not (comment and comment.strip()):
        raise Refused(f"{user.label()}不能退回 {state.id}：退回须说明理由（--comment）")
    return {
        "decision": "approve" if approve else "reject",
        "accept_dismissals": bool(accept_dismissals and approve),
        "accepted": dismissed_blocks if (approve and accept_dismissals) else [],
        "comment": (comment or "").strip() or None,
    }


def check_publish(state: SubmissionState, user: User) -> None:
    what = f"公开 {state.id}"
    require_role(user, ["drafter", "admin"], what)
    if not user.has("admin") and user.name != state.drafter:
        raise Refused(
            f"{user.label()}不能{what}：只有拟稿人「{state.drafter}」或管理员可以登记公开"
        )
    if state.status not in APPROVED:
        raise Refused(
            f"{user.label()}不能{what}：第 {state.current} 版尚未经领导签批"
            f"（当前状态「{STATUS_ZH[state.status]}」）— 先审核、后公开"
        )


def can_view(user: User, dept: str, drafter: str) -> bool:
    """Who may read an item: its drafter; a drafter, reviewer or leader whose departments
    cover the item's (one without departments acts for all); every auditor and admin."""
    if user.name == drafter or user.has("auditor") or user.has("admin"):
        return True
    return any(user.has(r) for r in ("drafter", "reviewer", "leader")) and user.covers(dept)


def check_view(user: User, sid: str, dept: str, drafter: str) -> None:
    if not can_view(user, dept, drafter):
        raise Refused(
            f"{user.label()}不能查看 {sid}：该稿件属于「{dept}」，不在其负责的部门"
            f"（{'、'.join(user.depts) or '无'}）内"
        )


def check_reveal(user: User, sid: str) -> None:
    require_role(user, ["reviewer", "leader", "auditor"], f"查看 {sid} 中未遮盖的个人信息")


def check_export(user: User, sid: str) -> None:
    require_role(user, ["auditor", "admin"], f"导出 {sid} 的存档文件")


def allowed_actions(user: User, state: SubmissionState) -> list[str]:
    """What ``user`` may do with the item now, by the same checks that guard each action
    (for showing the right forms; every action is checked again when it is taken)."""

    def ok(check: Callable[[], object]) -> bool:
        try:
            check()
        except Refused:
            return False
        return True

    out = []
    if state.status == "awaiting_review" and ok(lambda: plan_review(state, user, False, (), "-")):
        out.append("review")
    if state.status == "awaiting_signoff" and ok(lambda: plan_sign(state, user, False, False, "-")):
        out.append("sign")
    if ok(lambda: check_revise(state, user)):
        out.append("revise")
    if ok(lambda: check_publish(state, user)):
        out.append("publish")
    if ok(lambda: check_reveal(user, state.id)):
        out.append("reveal")
    return out


def queue_for(user: User, states: Iterable[SubmissionState]) -> list[SubmissionState]:
    """What waits for ``user``: reviews, sign-offs, or (drafters) returned/approved own items."""
    out: list[SubmissionState] = []
    for st in states:
        status = st.status
        if user.has("reviewer") and (
            status == "awaiting_review" and st.drafter != user.name and user.covers(st.dept)
        ):
            out.append(st)
        elif user.has("leader") and (
            status == "awaiting_signoff"
            and user.covers(st.dept)
            and user.name not in (st.drafter, st.cur.reviewer)
        ):
            out.append(st)
        elif (
            user.has("drafter") and st.drafter == user.name and status in ("returned", "signed_off")
        ):
            out.append(st)
    return out


def check_audit(user: User) -> None:
    require_role(user, ["auditor", "admin"], "生成保密审查台账")


def check_sweep(user: User) -> None:
    require_role(user, ["auditor", "admin"], "对已公开文件进行定期梳理")


def check_checkpoint(user: User) -> None:
    require_role(user, ["auditor"], "记录台账检查点")


# -- replaying recorded events against the policy -------------------------------------------------

ITEM_ACTIONS = frozenset({"submit", "review", "sign", "publish", "reveal", "export"})
_SWEEP = frozenset({"sweep_start", "sweep_result", "sweep_end"})


def permitted(state: SubmissionState | None, users: dict[str, User], ev: Event) -> None:
    """Raise :class:`Refused` when the policy would not have allowed this recorded event.

    ``state`` is the submission's state before the event (None before its first submit) and
    ``users`` who held which role at that point. Identity events are directory.py's.
    """
    p = ev.payload
    what = f"第 {ev.seq} 条记录（{ev.action}）"
    user = require_user(users, ev.actor, what)
    act = ev.action
    if act in _SWEEP:
        check_sweep(user)
        return
    if act == "audit":
        check_audit(user)
        return
    if act == "checkpoint":
        check_checkpoint(user)
        return
    if act == "auth_failures":
        if p.get("name") != user.name:
            raise Refused(f"{what}：只能报告本人的口令错误")
        return
    if act not in ITEM_ACTIONS:
        raise Refused(f"{what}：未知的记录类型")
    sid = ev.submission_id or ""
    if act == "submit":
        if state is None:
            if ev.version != 1:
                raise Refused(f"{what}：新稿件的版本号须为 1")
            check_submit(user, p["dept"])
        else:
            check_revise(state, user)
            if ev.version != state.current + 1:
                raise Refused(f"{what}：修改稿的版本号应为 {state.current + 1}")
            if p["dept"] != state.dept:
                check_submit(user, p["dept"])
        return
    if state is None:
        raise Refused(f"{what}：台账中没有稿件 {sid} 的提交记录")
    if act == "reveal":
        check_reveal(user, sid)
        return
    if act == "export":
        check_export(user, sid)
        return
    if ev.version != state.current:
        raise Refused(f"{what}：针对的不是 {sid} 的当前版本（第 {state.current} 版）")
    decision = p.get("decision")
    if act in ("review", "sign") and decision not in ("approve", "reject"):
        raise Refused(f"{what}：意见须为同意或退回")
    if act == "review":
        dismissals = [(d["fingerprint"], d["reason"]) for d in p.get("dismissals") or []]
        plan_review(state, user, decision == "approve", dismissals, p.get("comment"))
    elif act == "sign":
        plan_sign(
            state, user, decision == "approve", bool(p.get("accept_dismissals")), p.get("comment")
        )
        if p.get("sha256") != state.cur.sha256:
            raise Refused(f"{what}：签批的文件哈希与第 {state.current} 版不一致")
    else:  # publish
        check_publish(state, user)
        vs = state.cur
        if p.get("sha256") != (vs.sign or {}).get("sha256", vs.sha256):
            raise Refused(f"{what}：公开的文件哈希与签批的文件不一致")

"""我的待办 and the item page: the document with its findings in place, and the forms of the
reviewer (confirm or dismiss each finding, approve or return), the leader (签批确认), the
drafter (revise, publish) and the reveal of personal numbers.

Each form that writes carries the user's passphrase; the key it opens signs that one action
and is dropped. Every permission is the core's: a form shown here is only a convenience.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.responses import Response

from secreview.desk.document import DocumentView, build_view
from secreview.desk.scanner import Extracted
from secreview.desk.web import Ctx
from secreview.errors import Refused, SecreviewError
from secreview.service import Ledger
from secreview.workflow import STATUS_ZH

# Reasons reviewers give most often (DOMAIN: 常见排除理由); free text may be added or used alone.
DISMISS_REASONS = (
    "系已公开的信息（引用公开文件、标题或文号）",
    "系单位对外公开的办公电话、地址或邮箱",
    "系示例、虚构或测试数据",
    "已脱敏或遮盖，不能识别到个人",
    "系对保密工作程序的表述，不涉及秘密事项",
    "残留内容已核实，无敏感信息",
    "机审误报，与所列类别无关",
)
OTHER = "其他"
SHOWN_PER_GROUP = 30  # findings listed (and decided one by one) per rule; the rest follow the group
STATUS_ORDER = (
    "awaiting_review",
    "awaiting_signoff",
    "returned",
    "signed_off",
    "published",
)


def home(ctx: Ctx) -> Response:
    with ctx.desk.ledger() as ledger:
        me = ledger.whoami(ctx.user, "使用审查台")
    if set(me.roles) <= {"auditor", "admin"} and "auditor" in me.roles:
        return ctx.redirect("/audit")
    return ctx.redirect("/queue")


def queue(ctx: Ctx) -> Response:
    desk = ctx.desk
    with desk.ledger() as ledger:
        me = ledger.whoami(ctx.user, "查看待办")
        waiting = desk.at_head(ledger, ("queue", ctx.user), lambda: ledger.queue(ctx.user))
        items = desk.at_head(ledger, ("items", ctx.user), lambda: ledger.items(ctx.user))
    counts = Counter(it["status"] for it in items)
    return ctx.render(
        "queue.html",
        me=me,
        waiting=waiting,
        items=items[:500],
        more=max(0, len(items) - 500),
        counts=[(s, STATUS_ZH[s], counts.get(s, 0)) for s in STATUS_ORDER],
        total=len(items),
    )


def _reason(form: dict[str, str], prefix: str) -> str:
    preset = form.get(f"{prefix}.p", "").strip()
    text = form.get(f"{prefix}.t", "").strip()
    if not preset or preset == OTHER:
        return text
    return f"{preset}：{text}" if text else preset


def _choices(view: DocumentView, form: dict[str, str]) -> list[tuple[str, str, int]]:
    """(fingerprint, reason, number) of each finding the reviewer dismissed in the form.

    A finding follows its own choice, else its group's (「本组全部」), else it is confirmed.
    """
    out = []
    for g in view.groups:
        group_choice = form.get(f"g{g.index}.d", "")
        group_reason = _reason(form, f"g{g.index}")
        for f in g.actionable:
            choice = form.get(f"d.{f.fingerprint}", "") or group_choice or "confirm"
            if choice == "dismiss":
                out.append(
                    (f.fingerprint, _reason(form, f"r.{f.fingerprint}") or group_reason, f.n)
                )
    return out


def _text_of(ctx: Ctx, ledger: Ledger, sid: str, doc: dict[str, Any]) -> Extracted:
    def load() -> bytes:
        data: bytes = ledger.document(sid, ctx.user, doc["version"])["data"]
        return data

    try:
        return ctx.desk.scanner.extract(doc["sha256"], doc["filename"], load)
    except SecreviewError as e:
        return Extracted(error=e.message)


def item_page(
    ctx: Ctx,
    sid: str,
    *,
    signer: Any = None,
    error: str | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    raw_v = ctx.params.get("v") or (posted or {}).get("v") or ""
    version = int(raw_v) if raw_v.isdigit() else None
    with ctx.desk.ledger() as ledger:
        me = ledger.whoami(ctx.user, f"查看 {sid}")
        info = ledger.show(sid, ctx.user, reveal=signer is not None, version=version, signer=signer)
        v = info["version"]["version"]
        doc = ledger.document(sid, ctx.user, v, data=False)
        text = _text_of(ctx, ledger, sid, doc)
    statuses = {f["fingerprint"]: (f["status"], f.get("dismissal")) for f in info["findings"]}
    view = build_view(
        text,
        doc["findings"],
        statuses,
        reveal=bool(info["revealed"]),
        rule_names=ctx.desk.rule_names(),
    )
    reviews = [h for h in info["history"] if h["action"] == "review" and h["version"] == v]
    signs = [h for h in info["history"] if h["action"] == "sign" and h["version"] == v]
    dismissed_blocks = [
        f for f in view.findings if f.severity == "block" and f.status.startswith("dismissed")
    ]
    return ctx.render(
        "item.html",
        status=status,
        me=me,
        info=info,
        view=view,
        actions=set(info["actions"]),
        review=reviews[-1]["detail"] if reviews else None,
        review_event=reviews[-1] if reviews else None,
        sign=signs[-1]["detail"] if signs else None,
        dismissed_blocks=dismissed_blocks,
        numbers={f.fingerprint: f.n for f in view.findings},
        reasons=DISMISS_REASONS,
        other=OTHER,
        shown_per_group=SHOWN_PER_GROUP,
        error=error,
        posted=posted or {},
    )


def item(ctx: Ctx, sid: str) -> Response:
    return item_page(ctx, sid)


def _version(ctx: Ctx, info: dict[str, Any]) -> None:
    raw = ctx.form.get("version", "")
    if not raw.isdigit() or int(raw) != info["current_version"]:
        raise Refused(
            f"稿件 {info['id']} 已有新版本（第 {info['current_version']} 版），"
            "请刷新页面，按新版本重新审查"
        )


def _retry(ctx: Ctx, sid: str, e: SecreviewError) -> Response:
    """The same page again with the user's choices kept (never the passphrase)."""
    posted = {k: v for k, v in ctx.form.items() if k not in ("passphrase", "csrf_token")}
    if e.code == "locked":
        return ctx.desk.error(ctx, 403, e.message)
    return item_page(ctx, sid, error=e.message, posted=posted, status=403)


def review(ctx: Ctx, sid: str) -> Response:
    decision = ctx.form.get("decision", "")
    comment = ctx.form.get("comment", "").strip()
    try:
        if decision not in ("approve", "reject"):
            raise Refused("请选择「同意公开」或「退回拟稿人」")
        with ctx.desk.ledger() as ledger:
            info = ledger.show(sid, ctx.user)
            _version(ctx, info)
            doc = ledger.document(sid, ctx.user, info["current_version"], data=False)
            view = build_view(Extracted(), doc["findings"])
            dismissals = _choices(view, ctx.form)
            missing = [n for _fp, reason, n in dismissals if not reason]
            if missing:
                raise Refused(f"排除第 {'、'.join(map(str, missing))} 项问题须选择或填写理由")
            actionable = sum(len(g.actionable) for g in view.groups)
            if decision == "approve" and len(dismissals) < actionable:
                raise Refused(
                    f"还有 {actionable - len(dismissals)} 个问题被确认或未排除，不能同意公开："
                    "请逐项排除（说明理由），或退回拟稿人"
                )
            if decision == "reject" and not comment:
                raise Refused("退回须填写审查意见（告诉拟稿人要改什么）")
            signer = ctx.unlock(ledger, ctx.form.get("passphrase"), f"审查 {sid}")
            result = ledger.review(
                sid,
                signer,
                decision == "approve",
                [(fp, reason) for fp, reason, _n in dismissals],
                comment or None,
            )
            del signer
    except SecreviewError as e:
        return _retry(ctx, sid, e)
    ctx.flash(
        f"已记录保密审查意见：{'同意公开' if decision == 'approve' else '退回拟稿人'}"
        f"（排除 {result['dismissed']} 项），稿件状态：{STATUS_ZH[result['status']]}"
    )
    return ctx.redirect(f"/items/{sid}")


def sign(ctx: Ctx, sid: str) -> Response:
    decision = ctx.form.get("decision", "")
    comment = ctx.form.get("comment", "").strip()
    accept = ctx.form.get("accept_dismissals") == "1"
    try:
        if decision not in ("approve", "reject"):
            raise Refused("请选择「签批同意」或「退回拟稿人」")
        if decision == "reject" and not comment:
            raise Refused("退回须填写签批意见")
        with ctx.desk.ledger() as ledger:
            info = ledger.show(sid, ctx.user)
            _version(ctx, info)
            signer = ctx.unlock(ledger, ctx.form.get("passphrase"), f"签批 {sid}")
            result = ledger.sign(sid, signer, decision == "approve", accept, comment or None)
            del signer
    except SecreviewError as e:
        return _retry(ctx, sid, e)
    ctx.flash(
        f"已签批：{'同意' if decision == 'approve' else '退回'}，稿件状态：{STATUS_ZH[result['status']]}"
    )
    return ctx.redirect(f"/items/{sid}")


def publish(ctx: Ctx, sid: str) -> Response:
    try:
        with ctx.desk.ledger() as ledger:
            signer = ctx.unlock(ledger, ctx.form.get("passphrase"), f"公开 {sid}")
            result = ledger.publish(
                sid,
                signer,
                ctx.form.get("channel", "").strip() or None,
                ctx.form.get("url", "").strip() or None,
            )
            del signer
    except SecreviewError as e:
        return _retry(ctx, sid, e)
    ctx.flash(
        f"已登记公开：第 {result['version']} 版，{result['channel'] or ''} {result['url'] or ''}"
    )
    return ctx.redirect(f"/items/{sid}")


def reveal(ctx: Ctx, sid: str) -> Response:
    """The page with personal numbers shown, for this one response; the reveal is recorded."""
    try:
        with ctx.desk.ledger() as ledger:
            signer = ctx.unlock(
                ledger, ctx.form.get("passphrase"), f"查看 {sid} 中未遮盖的个人信息"
            )
    except SecreviewError as e:
        return _retry(ctx, sid, e)
    try:
        return item_page(ctx, sid, signer=signer, posted={"v": ctx.form.get("v", "")})
    finally:
        del signer

"""提交稿件: upload (drag and drop or a file input), see the scan at once, then submit with
title, department, channel and the passphrase; a revision of an item goes the same way."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from starlette.responses import Response

from secreview.checks import fingerprint
from secreview.desk.document import build_view
from secreview.desk.staging import Staged
from secreview.desk.web import Ctx
from secreview.errors import InputError, Refused, SecreviewError
from secreview.mask import mask_numbers
from secreview.model import Location

CHANNELS = ("政府网站", "政务新媒体", "政务公开栏", "新闻发布会")


def _revises(ctx: Ctx, raw: str | None) -> dict[str, Any] | None:
    """The item a revision is for (the core checks the caller may read it)."""
    if not raw:
        return None
    with ctx.desk.ledger() as ledger:
        return ledger.show(raw.strip(), ctx.user)


def _me(ctx: Ctx) -> Any:
    with ctx.desk.ledger() as ledger:
        return ledger.whoami(ctx.user, "提交稿件")


def upload_form(ctx: Ctx, *, error: str | None = None, status: int = 200) -> Response:
    revises = _revises(ctx, ctx.params.get("revises") or ctx.form.get("revises"))
    return ctx.render(
        "submit.html",
        status=status,
        revises=revises,
        error=error,
        max_mb=ctx.desk.config.limits.max_file_bytes // (1024 * 1024),
    )


def _findings(staged: Staged) -> list[dict[str, Any]]:
    assert staged.report is not None
    out = []
    for f in staged.report.to_dict()["findings"]:
        if not f.get("fingerprint"):
            loc = Location.from_dict(f.get("location") or {"part": "body"})
            f["fingerprint"] = fingerprint(f.get("rule", ""), f.get("text", ""), loc)
        out.append(f)
    return out


def _preview(
    ctx: Ctx,
    staged: Staged,
    *,
    error: str | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
    duplicate: bool = False,
) -> Response:
    me = _me(ctx)
    revises = _revises(ctx, staged.revises)
    text = ctx.desk.scanner.extract(staged.sha256, staged.filename, staged.path.read_bytes)
    view = build_view(text, _findings(staged), rule_names=ctx.desk.rule_names())
    channels = list(CHANNELS)
    default = ctx.desk.config.default_channel
    if default and default not in channels:
        channels.insert(0, default)
    assert staged.report is not None
    return ctx.render(
        "scan.html",
        status=status,
        me=me,
        staged=staged,
        report=staged.report,
        view=view,
        revises=revises,
        channels=channels,
        default_channel=(revises or {}).get("channel") or default or "",
        title=PurePosixPath(staged.filename).stem,
        error=error,
        posted=posted or {},
        duplicate=duplicate,
    )


def scan(ctx: Ctx) -> Response:
    upload = ctx.files.get("file")
    if upload is None or not upload.filename:
        return upload_form(ctx, error="请选择或拖入要提交的文件", status=400)
    desk = ctx.desk
    limits = desk.config.limits
    revises = ctx.form.get("revises", "").strip() or None
    try:
        if revises:
            _revises(ctx, revises)
        staged = desk.staging.put(
            ctx.user, upload.filename, upload.file, limits.max_file_bytes, revises
        )
    except SecreviewError as e:
        return upload_form(ctx, error=e.message, status=413 if e.code == "too_large" else 403)
    try:
        outcome = desk.scanner.scan(staged.path, staged.filename)
    except SecreviewError as e:
        desk.staging.drop(staged.token)
        shown = mask_numbers(staged.filename)
        return upload_form(ctx, error=f"无法审查 {shown}：{e.message}", status=400)
    report = outcome.report
    if report.verdict == "error":
        desk.staging.drop(staged.token)
        message = report.error.message if report.error else "未知错误"
        shown = mask_numbers(staged.filename)
        return upload_form(ctx, error=f"无法审查 {shown}：{message}", status=400)
    staged.report, staged.doc_number = report, outcome.doc_number
    desk.scanner.remember(staged.sha256, outcome.text)
    return _preview(ctx, staged)


def confirm(ctx: Ctx) -> Response:
    desk = ctx.desk
    staged = desk.staging.get(ctx.form.get("token", ""), ctx.user)
    form = ctx.form
    title = form.get("title", "").strip() or None
    dept = form.get("dept", "").strip() or None
    channel = form.get("channel", "").strip() or None
    try:
        if staged.report is None:
            raise InputError("该文件尚未完成审查，请重新上传")
        with desk.ledger() as ledger:
            if not staged.revises and (not title or not dept):
                raise Refused("提交新稿件须填写标题和部门")
            signer = ctx.unlock(ledger, form.get("passphrase"), "提交稿件")
            info = ledger.submit(
                staged.path,
                title,
                dept,
                channel or (None if staged.revises else desk.config.default_channel),
                staged.revises,
                signer,
                precomputed=(staged.report, staged.doc_number),
                allow_duplicate=form.get("allow_duplicate") == "1",
            )
            del signer
    except SecreviewError as e:
        if e.code == "locked":
            return desk.error(ctx, 403, e.message)
        posted = {k: v for k, v in form.items() if k not in ("passphrase", "csrf_token")}
        return _preview(
            ctx, staged, error=e.message, posted=posted, status=403, duplicate=e.code == "duplicate"
        )
    desk.staging.drop(staged.token)
    route = " → ".join({"reviewer": "保密审查员", "leader": "审核领导"}[r] for r in info["route"])
    ctx.flash(f"已提交：稿件 {info['id']} 第 {info['version']} 版，流转：{route}")
    return ctx.redirect(f"/items/{info['id']}")

"""保密审查台账 for auditors: verify status, the last checkpoint and the sweep results at a
glance (read only); the 台账 itself — filters, charts, table — on the page or as PDF, XLSX or
CSV through report/. Like ``secreview audit``, each 台账 is a signed ``audit`` event first,
so it asks for the auditor's passphrase; so does a checkpoint."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from secreview.desk.web import Ctx
from secreview.errors import SecreviewError
from secreview.model import CATEGORY_NAMES_ZH
from secreview.report.audit import COLUMNS, Audit

FORMATS = {
    "html": ("网页", None),
    "pdf": ("PDF", "application/pdf"),
    "xlsx": ("Excel（XLSX）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV", "text/csv; charset=utf-8"),
}


def _page(
    ctx: Ctx,
    *,
    audit: Audit | None = None,
    error: str | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with ctx.desk.ledger() as ledger:
        me = ledger.whoami(ctx.user, "查看台账")
        overview = ledger.overview(ctx.user)
        depts = sorted({it["dept"] for it in ledger.items(ctx.user)})
    charts: dict[str, Any] = {}
    if audit is not None:
        s = audit.stats
        charts = {
            "status": [
                ("提交", s.submitted),
                ("签批同意", s.approved),
                ("退回", s.rejected),
                ("已公开", s.published),
            ],
            "category": sorted(
                ((CATEGORY_NAMES_ZH.get(c, c), n) for c, n in s.findings_by_category.items()),
                key=lambda kv: -kv[1],
            ),
            "month": list(s.findings_by_month.items()),
        }
    return ctx.render(
        "audit.html",
        status=status,
        me=me,
        overview=overview,
        depts=depts,
        audit=audit,
        columns=COLUMNS,
        charts=charts,
        formats=FORMATS,
        error=error,
        posted=posted or {},
    )


def overview(ctx: Ctx) -> Response:
    return _page(ctx)


def _file(audit: Audit, fmt: str, font: str | None) -> bytes:
    from secreview.report.render_pdf import render_pdf
    from secreview.report.render_tabular import render_csv, render_xlsx

    renderers: dict[str, Callable[[Audit, Path], Path]] = {
        "csv": render_csv,
        "xlsx": render_xlsx,
        "pdf": lambda a, p: render_pdf(a, p, font),
    }
    with tempfile.TemporaryDirectory(prefix="secreview-audit-") as tmp:
        path = renderers[fmt](audit, Path(tmp) / f"audit.{fmt}")
        return path.read_bytes()


def generate(ctx: Ctx) -> Response:
    form = ctx.form
    fmt = form.get("format", "html")
    posted = {k: v for k, v in form.items() if k not in ("passphrase", "csrf_token")}
    if fmt not in FORMATS:
        return _page(ctx, error="请选择台账格式：网页、PDF、XLSX 或 CSV", posted=posted, status=400)
    config = ctx.desk.config
    try:
        with ctx.desk.ledger() as ledger:
            signer = ctx.unlock(ledger, form.get("passphrase"), "生成保密审查台账")
            audit = ledger.audit(
                signer,
                form.get("from", "").strip() or None,
                form.get("to", "").strip() or None,
                form.get("dept", "").strip() or None,
                config.office,
                fmt,
            )
            del signer
        from secreview.rules import load_ruleset
        from secreview.rules.names import rule_names

        audit.rule_names = rule_names(audit.rule_ids(), load_ruleset(config.rules_dirs))
    except SecreviewError as e:
        if e.code == "locked":
            return ctx.desk.error(ctx, 403, e.message)
        return _page(ctx, error=e.message, posted=posted, status=403 if e.exit_code == 1 else 400)
    if fmt == "html":
        return _page(ctx, audit=audit, posted=posted)
    data = _file(audit, fmt, config.pdf_font)
    period = "-".join(x for x in (audit.period_from, audit.period_to) if x) or "全部"
    name = f"保密审查台账-{period}{'-' + audit.dept if audit.dept else ''}.{fmt}"
    return Response(
        data,
        media_type=FORMATS[fmt][1],
        headers={
            "content-disposition": f"attachment; filename=\"audit.{fmt}\"; filename*=UTF-8''{quote(name)}"
        },
    )


def checkpoint(ctx: Ctx) -> Response:
    try:
        with ctx.desk.ledger() as ledger:
            signer = ctx.unlock(ledger, ctx.form.get("passphrase"), "记录台账检查点")
            info = ledger.checkpoint(signer)
            del signer
    except SecreviewError as e:
        if e.code == "locked":
            return ctx.desk.error(ctx, 403, e.message)
        return _page(ctx, error=e.message, status=403)
    ctx.flash(
        f"已记录检查点：第 {info['seq']} 条（哈希 {str(info['head'])[:16]}…），"
        f"同时写入检查点文件 {info['file']}"
    )
    return ctx.redirect("/audit")

"""`scan --format csv`: one row per finding, and one row for each file without findings
(its verdict, or why it could not be read), so every scanned file appears.

UTF-8 with a byte-order mark (Excel and WPS then read the Chinese correctly); personal
values and numbers masked; every text cell neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io

from secreview.mask import mask_finding_text, mask_numbers
from secreview.model import CATEGORY_NAMES_ZH, Report
from secreview.report.cells import neutralise
from secreview.rules.model import RuleSet
from secreview.rules.names import rule_names

COLUMNS = [
    "文件",
    "结论",
    "级别",
    "类别",
    "规则",
    "规则名称",
    "位置",
    "页码",
    "部位",
    "说明",
    "上下文",
    "指纹",
    "sha256",
]
VERDICT_ZH = {"pass": "通过", "review": "需人工审查", "block": "不得公开", "error": "无法审查"}
SEVERITY_ZH = {"block": "禁止", "review": "复核", "info": "提示"}


def scan_rows(reports: list[Report], ruleset: RuleSet | None = None) -> list[list[str]]:
    """The rows (header first) of the CSV, each cell as text."""
    names = rule_names({f.rule for r in reports for f in r.findings}, ruleset)
    rows: list[list[str]] = [COLUMNS]
    for r in reports:
        verdict = VERDICT_ZH.get(r.verdict, r.verdict)
        base = [r.path, verdict]
        if r.error is not None:
            note = f"{r.error.message} [{r.error.code}]"
            rows.append([*base, "", "", "", "", "", "", "", note, "", "", r.sha256 or ""])
            continue
        if not r.findings:
            rows.append([*base, "", "", "", "", "", "", "", "未发现问题", "", "", r.sha256 or ""])
            continue
        for f in r.findings:
            _, context = mask_finding_text(f.text, f.context, f.category == "personal_info")
            loc = f.location
            rows.append(
                [
                    *base,
                    SEVERITY_ZH.get(f.severity, f.severity),
                    CATEGORY_NAMES_ZH.get(f.category, f.category),
                    f.rule,
                    names.get(f.rule, f.rule),
                    loc.label(),
                    "" if loc.page is None else str(loc.page),
                    loc.part,
                    mask_numbers(f.reason),
                    context,
                    f.fingerprint,
                    r.sha256 or "",
                ]
            )
    return rows


def to_csv(reports: list[Report], ruleset: RuleSet | None = None) -> str:
    """The CSV text, byte-order mark first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in scan_rows(reports, ruleset):
        writer.writerow([neutralise(c) for c in row])
    return "\ufeff" + buf.getvalue()

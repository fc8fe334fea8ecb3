"""The 台账 as a print-friendly HTML page with bar charts (inline SVG, no scripts)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from secreview.report.annual import ANNUAL_NOTE, TABLE_COLUMNS, TABLE_TITLE
from secreview.report.audit import CATEGORY_ZH, COLUMNS, Audit

_CSS = """
body{font-family:"SimSun","Songti SC","Noto Serif CJK SC",serif;margin:16px;color:#111}
h1{text-align:center;font-size:20px;margin:4px}
.sub{text-align:center;font-size:12px;margin-bottom:12px}
table{border-collapse:collapse;width:100%;font-size:11px}
th,td{border:1px solid #333;padding:2px 4px;vertical-align:top}
thead th{background:#e0e0e0}
thead{display:table-header-group}
tr{page-break-inside:avoid}
.alarm{color:#b00;font-weight:bold;font-size:14px}
.charts{display:flex;gap:24px;flex-wrap:wrap;margin:12px 0}
.footer{font-size:11px;margin-top:12px;word-break:break-all}
.sign{margin-top:36px;font-size:13px}
.annual{margin:12px 0 24px}
.annual .para{font-size:14px;line-height:1.8;text-indent:2em}
.annual .note{font-size:11px}
td.num{text-align:right}
@page{size:A4 landscape;margin:12mm}
"""


def _bar_chart(title: str, data: dict[str, int], width: int = 420) -> str:
    if not data:
        return f"<figure><figcaption>{escape(title)}：无数据</figcaption></figure>"
    bar_h, gap, label_w = 18, 6, 110
    top = max(data.values()) or 1
    height = len(data) * (bar_h + gap) + 10
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">']
    for i, (label, value) in enumerate(data.items()):
        y = i * (bar_h + gap) + 5
        w = int((width - label_w - 40) * value / top)
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="#4a6fa5"/>'
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{escape(title)}</figcaption>{''.join(parts)}</figure>"


def _cells(row: list[str | int]) -> str:
    """One table row: the first cell a name, numbers right-aligned."""
    out = []
    for i, c in enumerate(row):
        cls = ' class="num"' if i else ""
        out.append(f"<td{cls}>{escape(str(c))}</td>")
    return "<tr>" + "".join(out) + "</tr>"


def _annual_section(audit: Audit) -> str:
    """audit --annual: the annual report's 保密审查 section, before the 台账."""
    annual = audit.annual
    if annual is None:
        return ""
    summary = "".join(_cells([k, v]) for k, v in annual.summary_items())
    head = "".join(f"<th>{escape(c)}</th>" for c in TABLE_COLUMNS)
    rows = "".join(_cells(row) for row in annual.table())
    return f"""<section class="annual">
<h2>{escape(annual.heading)}</h2>
<p class="para">{escape(annual.paragraph())}</p>
<h3>{escape(TABLE_TITLE)}</h3>
<table style="width:auto"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
<h3>统计</h3>
<table style="width:auto"><thead><tr><th>项目</th><th>数量</th></tr></thead>
<tbody>{summary}</tbody></table>
<p class="note">{escape(ANNUAL_NOTE)}</p>
</section>
"""


def render_html(audit: Audit, path: str | Path) -> Path:
    out = Path(path)
    s = audit.stats
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in audit.cells(row)) + "</tr>"
        for row in audit.rows
    )
    alarm = "".join(f'<p class="alarm">{escape(a)}</p>' for a in audit.alarms())
    by_cat = {
        CATEGORY_ZH.get(k, k): v
        for k, v in sorted(s.findings_by_category.items(), key=lambda kv: -kv[1])
    }
    stats_rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in audit.stat_lines()
    )
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(audit.title)}</title>
<style>{_CSS}</style></head><body>
<h1>{escape(audit.title)}</h1>
<div class="sub">{escape(audit.subtitle())}</div>
{alarm}
{_annual_section(audit)}
<table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table>
<h2>统计</h2>
<div class="charts">
{_bar_chart("发现问题（按类别）", by_cat)}
{_bar_chart("发现问题（按月份）", s.findings_by_month)}
</div>
<table style="width:auto"><tbody>{stats_rows}</tbody></table>
<p class="footer">{escape(audit.footer_line())}</p>
<p class="sign">检查人（签字）：__________________　日期：__________
被检查单位负责人（签字）：__________________　日期：__________</p>
</body></html>
"""
    out.write_text(html, encoding="utf-8")
    return out

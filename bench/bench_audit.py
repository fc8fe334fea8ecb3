"""Bench: render the 台账 for 10,000 items as PDF and XLSX (goal: each under a minute).

Usage: .venv/bin/python bench/bench_audit.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from secreview.report.audit import Audit, AuditRow, AuditStats
from secreview.report.render_html import render_html
from secreview.report.render_pdf import render_pdf
from secreview.report.render_tabular import render_csv, render_xlsx


def build(n: int) -> Audit:
    rows = [
        AuditRow(
            seq=i + 1,
            submission_id=f"2026-{i + 1:05d}",
            title=f"关于第{i + 1}批次政务信息公开事项的通知（示例标题较长时会自动换行）",
            doc_number=f"示政办发〔2026〕{i + 1}号",
            dept=["办公室", "财政局", "民政局"][i % 3],
            drafter="拟稿人",
            submitted_at="2026-05-01 09:00",
            findings={"personal_info": 1} if i % 4 == 0 else {},
            reviewer="审查员",
            review_opinion="同意公开",
            leader="领导",
            signed_at="2026-05-01 16:00",
            published_at="2026-05-02 09:00",
            channel="门户网站",
            url=f"https://example.gov.cn/{i}.html",
            remarks="",
        )
        for i in range(n)
    ]
    stats = AuditStats(
        submitted=n, approved=n, published=n, findings_by_category={"personal_info": n // 4}
    )
    return Audit(
        "示例县人民政府办公室",
        "2026-01-01",
        "2026-12-31",
        "2026-11-28 10:00",
        rows,
        stats,
        n * 4,
        "0" * 64,
        True,
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    audit = build(n)
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn, suffix in [
            ("pdf", render_pdf, "pdf"),
            ("xlsx", render_xlsx, "xlsx"),
            ("csv", render_csv, "csv"),
            ("html", render_html, "html"),
        ]:
            t = time.perf_counter()
            out = fn(audit, Path(tmp) / f"audit.{suffix}")
            dt = time.perf_counter() - t
            print(f"{name:5s} {n} items: {dt:6.1f} s  ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

"""Bench: the 台账 for 10,000 items, and the sweep's files/s on 1 vs 2 processes.

1. Renderers alone on a hand-built Audit (PDF, XLSX, CSV, HTML).
2. A ledger of N items written through the storage layer (submit → review → sign → publish
   events spread over 2026), then `Ledger.audit` (verify + build) and PDF/XLSX from it.
   Goal: PDF and XLSX each under a minute for 10,000 items.
3. `sweep` over a folder of small documents with --jobs 1 and --jobs 2.

Usage: PYTHONPATH=src python bench/bench_audit.py [--items 10000] [--files 60] [--skip-render]
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ledger import enrolled  # noqa: E402

from secreview.config import Config  # noqa: E402
from secreview.ledger.chain import append  # noqa: E402
from secreview.ledger.signing import Signer  # noqa: E402
from secreview.report.audit import Audit, AuditRow, AuditStats  # noqa: E402
from secreview.report.render_html import render_html  # noqa: E402
from secreview.report.render_pdf import render_pdf  # noqa: E402
from secreview.report.render_tabular import render_csv, render_xlsx  # noqa: E402
from secreview.service import Ledger  # noqa: E402


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


def bench_renderers(n: int) -> None:
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
            print(f"render {name:5s} {n} items: {dt:6.1f} s  ({out.stat().st_size / 1e6:.1f} MB)")


def _ts(base: datetime, minutes: float) -> str:
    return (base + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ledger_with_items(folder: Path, n: int) -> tuple[Ledger, dict[str, Signer]]:
    """N items as signed events (submit → review → sign → publish, spread over 2026), no scanning."""
    config = replace(Config(), db_path=folder / "bench.db", checkpoints=folder / "cp.json")
    depts = ["办公室", "财政局", "民政局"]
    roster = (
        ("张三", ["drafter"], depts),
        ("审查员", ["reviewer"], depts),
        ("王领导", ["leader"], depts),
        ("审计", ["auditor"], []),
    )
    ledger, s = enrolled(config, roster=roster)
    shas = [ledger.blobs.put(f"示例文件 {k}\n".encode()) for k in range(50)]
    base = datetime(2026, 1, 1, 1, tzinfo=UTC)
    step = 360 * 24 * 60 / n
    for start in range(0, n, 1000):
        with ledger.storage.write() as tx:
            for i in range(start, min(n, start + 1000)):
                sid, t = f"2026-{i + 1:05d}", i * step
                flagged = i % 4 == 0
                findings = (
                    [
                        {
                            "rule": "pii.mobile",
                            "category": "personal_info",
                            "severity": "review",
                            "source": "rule",
                            "text": "139****5678",
                            "location": {"part": "body", "paragraph": 2},
                            "context": "联系电话 139****5678",
                            "reason": "手机号码",
                            "fingerprint": hashlib.sha256(sid.encode()).hexdigest()[:20],
                        }
                    ]
                    if flagged
                    else []
                )
                verdict = "review" if flagged else "pass"
                route = ["reviewer", "leader"] if flagged else ["leader"]
                append(
                    tx,
                    s["张三"],
                    "submit",
                    sid,
                    1,
                    {
                        "title": f"关于第{i + 1}批次政务信息公开事项的通知",
                        "dept": ["办公室", "财政局", "民政局"][i % 3],
                        "channel": "政府网站",
                        "filename": f"通知{i + 1}.docx",
                        "sha256": shas[i % 50],
                        "size": 20000,
                        "format": "docx",
                        "verdict": verdict,
                        "route": route,
                        "report": {"verdict": verdict, "findings": findings},
                        "findings_summary": {"personal_info": {"review": 1}} if flagged else {},
                        "doc_number": f"示政办发〔2026〕{i + 1}号",
                        "rules": {},
                        "model": {},
                        "revises": None,
                    },
                    _ts(base, t),
                )
                if flagged:
                    fp = findings[0]["fingerprint"]
                    dismissal = {
                        "fingerprint": fp,
                        "reason": "系单位办公电话",
                        "rule": "pii.mobile",
                        "category": "personal_info",
                        "severity": "review",
                    }
                    payload = {
                        "decision": "approve",
                        "dismissals": [dismissal],
                        "confirmed": [],
                        "comment": None,
                    }
                    append(tx, s["审查员"], "review", sid, 1, payload, _ts(base, t + 60))
                sign = {"decision": "approve", "accept_dismissals": False, "accepted": []}
                sign |= {"comment": None, "sha256": shas[i % 50]}
                append(tx, s["王领导"], "sign", sid, 1, sign, _ts(base, t + 180))
                publish = {"sha256": shas[i % 50], "channel": "政府网站"}
                publish["url"] = f"https://www.example.gov.cn/a/{i + 1}.html"
                append(tx, s["张三"], "publish", sid, 1, publish, _ts(base, t + 300))
    ledger.rebuild_projections()
    return ledger, s


def bench_ledger_audit(n: int, folder: Path) -> None:
    t = time.perf_counter()
    ledger, s = ledger_with_items(folder, n)
    print(f"ledger {n} items via storage: {time.perf_counter() - t:6.1f} s to write")
    t = time.perf_counter()
    audit = ledger.audit(s["审计"], "2026-01-01", "2026-12-31", office="示例县人民政府办公室")
    dt_build = time.perf_counter() - t
    print(
        f"audit build {len(audit.rows)} rows (verify {audit.event_count} events + fold): "
        f"{dt_build:6.1f} s"
    )
    for name, fn in (("pdf", render_pdf), ("xlsx", render_xlsx)):
        t = time.perf_counter()
        out = fn(audit, folder / f"台账.{name}")
        dt = time.perf_counter() - t
        print(
            f"audit {name:4s} {n} items: build+render {dt_build + dt:6.1f} s "
            f"(render {dt:5.1f} s, {out.stat().st_size / 1e6:.1f} MB)"
        )
    ledger.close()


def bench_sweep(files: int, folder: Path) -> None:
    site = folder / "site"
    site.mkdir()
    for i in range(files):
        lines = (
            f"第{j}条：各科室按计划做好第{i}批政务公开栏目维护，及时更新办事指南。\n"
            for j in range(150)
        )
        (site / f"文件{i:03d}.txt").write_text("".join(lines), encoding="utf-8")
    config = replace(Config(), db_path=folder / "sweep.db")
    ledger, s = enrolled(config, roster=())
    for jobs in (1, 2):
        t = time.perf_counter()
        info = ledger.sweep(s["管理员"], [site], jobs=jobs)
        dt = time.perf_counter() - t
        rate = info["scanned"] / dt
        print(
            f"sweep --jobs {jobs}: {info['scanned']} files (~{(site / '文件000.txt').stat().st_size // 1000} kB)"
            f" in {dt:5.1f} s = {rate:5.1f} files/s (incl. worker start-up)"
        )
    ledger.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--skip-render", action="store_true", help="skip the hand-built renderer run")
    args = ap.parse_args()
    if not args.skip_render:
        bench_renderers(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        bench_ledger_audit(args.items, Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        bench_sweep(args.files, Path(tmp))


if __name__ == "__main__":
    main()

"""audit --annual YEAR: the 保密审查 paragraph and table of a 政府信息公开工作年度报告, checked
against a ledger built through the real workflow (submit / review / reject / revise / sign /
publish / sweep)."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from click.testing import CliRunner

from secreview.clock import DEFAULT
from secreview.config import Config
from secreview.ledger.sqlite import SQLiteStorage
from secreview.model import Event
from secreview.report.build import build_audit
from tests.helpers.audit_ledger import FULL_ID, Items, ok, submit
from tests.helpers.ledger import cli, cli_json, copy_ledger, write_doc

AUDITOR = "孙审计"
YEAR = DEFAULT.today().year


@pytest.fixture(scope="module")
def annual_db(
    audit_built: tuple[Path, Items], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Items]:
    """The six-item ledger plus: an item returned, revised and waiting for review again
    (尚在办理), and a sweep of one published file and one that was never submitted."""
    src, shared = audit_built
    items = Items(dict(shared.ids), dict(shared.titles))  # the session's copy stays as it is
    folder = tmp_path_factory.mktemp("annual")
    db = copy_ledger(src, folder / "台账.db")
    runner = CliRunner()
    sid = submit(runner, db, write_doc(folder, "值班2.txt", "block", salt="（三）"), "节日值班表")
    ok(cli(runner, db, "审查员甲", "review", sid, "--reject", "--comment", "删除密级标志"))
    again = write_doc(folder, "值班2-改.txt", "block", salt="（三改）")
    ok(cli(runner, db, "张三", "submit", str(again), "--revises", sid))
    items.ids["pending"] = sid
    site = folder / "网站"
    site.mkdir()
    (site / "植树通知.txt").write_bytes((src.parent / "植树通知.txt").read_bytes())
    write_doc(site, "外来.txt", "pass", salt="（未报审）")
    r = cli(runner, db, AUDITOR, "sweep", str(site), "--jobs", "1")
    assert r.exit_code == 1, r.stderr  # the file never submitted needs attention
    return db, items


def test_annual_numbers_follow_the_workflow(annual_db: tuple[Path, Items], runner) -> None:
    db, _ = annual_db
    data = cli_json(runner, db, AUDITOR, "audit", "--annual", str(YEAR))
    a = data["annual"]
    assert data["period"]["from"] == f"{YEAR}-01-01" and data["period"]["to"] == f"{YEAR}-12-31"
    t = a["totals"]
    # 7 items (8 versions + 1 revision of the pending one = 9); flagged: review/block scans
    assert (t["reviewed"], t["versions"], t["flagged"]) == (7, 9, 5)
    # found = returned: the reviewer's two returns, the leader's one, the pending item
    assert t["found"] == 4
    assert (t["revised"], t["withheld"], t["pending"]) == (1, 2, 1)
    assert t["revised"] + t["withheld"] + t["pending"] == t["found"]
    assert t["cleared"] == 1  # a block dismissed by the reviewer, accepted, signed
    assert (t["approved"], t["published"], t["awaiting"]) == (4, 3, 0)
    assert t["unsigned_published"] == 0
    assert a["sweep"] == {"runs": 1, "files": 2, "attention": 1}
    cats = a["categories"]
    assert cats["state_secret"] == {"found": 2, "revised": 1, "withheld": 0, "pending": 1}
    assert cats["residue"] == {"found": 1, "revised": 0, "withheld": 1, "pending": 0}
    # the leader returned the ID item though the reviewer had dismissed the finding
    assert cats["personal_info"] == {"found": 1, "revised": 0, "withheld": 1, "pending": 0}
    assert a["table"][-1] == ["合计", 4, 1, 2, 1]
    assert a["columns"] == ["类别", "发现问题", "经修改后签批", "不予公开", "尚在办理"]
    assert [row[0] for row in a["table"][:-1]] == [
        "涉及国家秘密",
        "涉及个人信息",
        "文档残留（修订、批注、隐藏内容等）",
    ]

    p = a["paragraph"]
    assert p.startswith(f"{YEAR}年，本单位按照“先审查、后公开”")
    for fragment in (
        "全年共审查拟公开信息 7 件（另审查修改稿 2 份）",
        "审查中发现问题并退回修改 4 件（国家秘密 2 件、个人信息 1 件、文档残留 1 件）",
        "其中经修改后签批 1 件，不予公开 2 件，尚在办理 1 件",
        "机器初审提示需人工核对的 5 件",
        "经审核领导签批同意公开 4 件，已公开 3 件",
        "开展定期梳理 1 次，复查文件 2 个，发现需要整改的 1 个",
        "全年公开的信息均经保密审查和领导签批",
    ):
        assert fragment in p, fragment
    assert FULL_ID not in json.dumps(a, ensure_ascii=False)


def test_annual_text_and_department(annual_db: tuple[Path, Items], runner) -> None:
    db, _ = annual_db
    r = cli(runner, db, AUDITOR, "audit", "--annual", str(YEAR))
    ok(r)
    assert f"{YEAR}年度政府信息公开保密审查情况" in r.stdout
    flat = r.stdout.replace("\n", "").replace(" ", "").replace("│", "")
    assert "合计4121" in flat and "审查拟公开信息（件）7" in flat
    assert "链头哈希" in r.stdout
    finance = cli_json(runner, db, AUDITOR, "audit", "--annual", str(YEAR), "--dept", "财务科")
    assert finance["annual"]["totals"]["reviewed"] == 1
    assert finance["annual"]["heading"].endswith("（财务科）")
    assert "本单位财务科按照" in finance["annual"]["paragraph"]
    later = cli_json(runner, db, AUDITOR, "audit", "--annual", str(YEAR + 1))
    assert later["annual"]["totals"]["reviewed"] == 0
    assert "审查中未发现涉密或其他不宜公开的信息" in later["annual"]["paragraph"]
    bad = cli(runner, db, AUDITOR, "audit", "--annual", str(YEAR), "--from", f"{YEAR}-01-01")
    assert bad.exit_code == 2 and "--annual 与 --from/--to 不能同时使用" in bad.stderr


def test_annual_section_in_html_pdf_xlsx_csv(
    annual_db: tuple[Path, Items], runner, tmp_path: Path
) -> None:
    db, items = annual_db
    db = copy_ledger(db, tmp_path / "台账.db")
    heading = f"{YEAR}年度政府信息公开保密审查情况"
    out = {fmt: tmp_path / f"年报.{fmt}" for fmt in ("html", "pdf", "xlsx", "csv")}
    for path in out.values():
        ok(cli(runner, db, AUDITOR, "audit", "--annual", str(YEAR), "-o", str(path)))
    html = out["html"].read_text(encoding="utf-8")
    assert html.index(heading) < html.index("<th>序号</th>")  # the section, then the 台账
    assert "全年共审查拟公开信息 7 件" in html and items.ids["pending"] in html
    with pdfplumber.open(out["pdf"]) as pdf:
        first = (pdf.pages[0].extract_text() or "").replace("\n", "").replace(" ", "")
        rest = "".join((p.extract_text() or "") for p in pdf.pages[1:])
    assert heading in first and "发现问题分类统计" in first and "合计" in first
    assert "全年共审查拟公开信息7件" in first
    assert "稿件编号" in rest  # the year's 台账 follows
    wb = openpyxl.load_workbook(out["xlsx"])
    assert wb.sheetnames[0] == "年度报告" and "台账" in wb.sheetnames
    sheet = wb["年度报告"]
    values = {r[0].value: r[1].value for r in sheet.iter_rows() if r[0].value}
    assert values["审查拟公开信息（件）"] == 7 and values["合计"] == 4
    assert sheet.cell(row=2, column=1).value.startswith(f"{YEAR}年")
    with out["csv"].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["类别", "发现问题", "经修改后签批", "不予公开", "尚在办理"]
    assert ["合计", "4", "1", "2", "1"] in rows and ["审查拟公开信息（件）", "7"] in rows


def test_annual_state_is_the_state_at_year_end(annual_db: tuple[Path, Items]) -> None:
    """Decisions recorded after 31 December do not change that year's numbers."""
    db, items = annual_db
    storage = SQLiteStorage(db)
    try:
        events = list(storage.iter_events())
    finally:
        storage.close()
    sub = [e for e in events if e.submission_id == items.ids["pending"] and e.action == "submit"]
    last = events[-1].seq

    def decided(ts: str) -> list[Event]:
        """The pending revision approved and signed off at ``ts``."""
        review = {"decision": "approve", "dismissals": [], "confirmed": []}
        sign = {"decision": "approve", "sha256": sub[-1].payload["sha256"]}
        return [
            dataclasses.replace(sub[-1], seq=last + 1, ts=ts, action="review", payload=review),
            dataclasses.replace(sub[-1], seq=last + 2, ts=ts, action="sign", payload=sign),
        ]

    clock = Config().clock()
    before = build_audit(events, annual=YEAR, clock=clock).annual
    january = build_audit(
        events + decided(f"{YEAR + 1}-01-02T02:00:00.000000Z"), annual=YEAR
    ).annual
    december = build_audit(events + decided(events[-1].ts), annual=YEAR).annual
    assert before is not None and january is not None and december is not None
    assert (before.pending, before.revised) == (1, 1)
    assert january.to_dict() == before.to_dict()
    assert (december.pending, december.revised) == (0, 2)  # the same events within the year

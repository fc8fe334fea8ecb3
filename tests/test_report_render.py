"""Renderers of the 台账 on a hand-built Audit (the ledger-built audit is tested elsewhere)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from rich.console import Console

from secreview.report.audit import Audit, AuditRow, AuditStats, median_hours
from secreview.report.render_html import render_html
from secreview.report.render_pdf import render_pdf
from secreview.report.render_tabular import render_csv, render_xlsx
from secreview.report.render_text import render_text
from tests.helpers.pdf_fonts import pdf_fonts, require_cjk_font

FULL_ID = "110105196503120216"
HEAD = "ab" * 32


def make_audit(n: int = 3, unsigned: list[str] | None = None) -> Audit:
    rows = [
        AuditRow(
            seq=i + 1,
            submission_id=f"2026-{i + 1:04d}",
            title=f"关于开展第{i + 1}批农机购置补贴申请的通知",
            doc_number="示农发〔2026〕12号",
            dept="农业农村局",
            drafter="李拟稿",
            submitted_at="2026-03-02 09:00",
            findings={"personal_info": 2, "residue": 1} if i % 2 == 0 else {},
            reviewer="王审查",
            review_opinion=f"同意删除后公开；已撤回含{FULL_ID}的附件",
            leader="赵领导",
            leader_decision="同意签批",
            signed_at="2026-03-02 15:30",
            published_at="2026-03-03 10:00",
            channel="门户网站",
            url="https://example.gov.cn/a.html",
            remarks="第2版",
            status="published",
        )
        for i in range(n)
    ]
    stats = AuditStats(
        submitted=n,
        approved=n,
        rejected=0,
        published=n,
        findings_by_category={"personal_info": 4, "residue": 2},
        findings_by_rule={"pii.resident_id": 4},
        findings_by_month={"2026-03": 6},
        median_hours_to_signoff=6.5,
        published_without_signoff=unsigned or [],
    )
    return Audit(
        office="示例县农业农村局",
        period_from="2026-01-01",
        period_to="2026-12-31",
        generated_at="2026-11-28 10:00",
        rows=rows,
        stats=stats,
        event_count=42,
        head_hash=HEAD,
        verify_ok=True,
    )


@pytest.fixture(autouse=True)
def _cjk_font(request) -> None:
    if "pdf" in request.node.name:
        require_cjk_font()


def test_pdf_has_chinese_headers_rows_pages_and_head_hash(tmp_path) -> None:
    path = render_pdf(make_audit(60), tmp_path / "台账.pdf")
    with pdfplumber.open(path) as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
        first = pdf.pages[0]
        assert first.width > first.height  # landscape
        # The title column wraps: read that column alone and join its lines.
        head = next(w for w in first.extract_words() if w["text"] == "信息标题")
        nxt = next(w for w in first.extract_words() if w["text"] == "文号")
        column = first.crop((head["x0"] - 3, head["bottom"], nxt["x0"] - 3, first.height))
        column_text = (column.extract_text() or "").replace("\n", "")
    text = "\n".join(pages)
    assert "保密审查台账" in text
    assert "信息标题" in text and "保密审查员及意见" in text
    assert "关于开展第1批农机购置补贴申请的通知" in column_text
    assert HEAD in text.replace("\n", "")
    assert f"第 1 页 共 {len(pages)} 页" in pages[0]
    assert len(pages) >= 3
    assert all("信息标题" in p for p in pages[:-1])  # header repeated on every table page
    assert "检查人" in pages[-1] and "被检查单位负责人" in pages[-1]
    assert FULL_ID not in text


def test_pdf_lists_items_published_without_signoff(tmp_path) -> None:
    path = render_pdf(make_audit(2, unsigned=["2026-0007 某通知"]), tmp_path / "a.pdf")
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[0].extract_text()
    assert "未经完整签批即已公开" in first and "2026-0007" in first


def test_xlsx_reopens_with_rows_frozen_header_and_stats(tmp_path) -> None:
    path = render_xlsx(make_audit(5), tmp_path / "台账.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    assert ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]][:4] == ["序号", "稿件编号", "版本", "信息标题"]
    titles = [ws.cell(row=r, column=4).value for r in range(4, 9)]
    assert titles[0] == "关于开展第1批农机购置补贴申请的通知" and len(titles) == 5
    assert "统计" in wb.sheetnames
    values = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value]
    assert not any(FULL_ID in v for v in values)
    assert any(HEAD in v for v in values)


def test_csv_has_bom_and_round_trips(tmp_path) -> None:
    path = render_csv(make_audit(4), tmp_path / "台账.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["序号", "稿件编号", "信息标题"] and len(rows) == 5
    assert rows[1][1] == "2026-0001 第1版"
    assert rows[1][2] == "关于开展第1批农机购置补贴申请的通知"
    assert FULL_ID not in raw.decode("utf-8-sig")
    assert "110105********0216" in raw.decode("utf-8-sig")


def test_html_is_printable_with_charts(tmp_path) -> None:
    html = render_html(make_audit(3), tmp_path / "台账.html").read_text(encoding="utf-8")
    assert "<svg" in html and "按类别" in html and "按月份" in html
    assert "@page" in html and "thead" in html
    assert FULL_ID not in html and HEAD in html


def test_terminal_table(tmp_path) -> None:
    console = Console(record=True, width=200)
    render_text(make_audit(2), console)
    out = console.export_text()
    assert "保密审查台账" in out and "链头哈希" in out and FULL_ID not in out


@pytest.mark.parametrize(
    "pairs,expected",
    [
        ([("2026-01-01T08:00:00", "2026-01-01T10:00:00")], 2.0),
        (
            [
                ("2026-01-01T08:00:00", "2026-01-01T09:00:00"),
                ("2026-01-01T08:00:00", "2026-01-02T08:00:00"),
                ("2026-01-01T08:00:00", "2026-01-01T11:00:00"),
            ],
            3.0,
        ),
        ([], None),
    ],
)
def test_median_hours(pairs, expected) -> None:
    assert median_hours(pairs) == expected


# -- the embedded font (issue 18) ----------------------------------------------------------------


def test_pdf_embeds_every_font_it_uses(tmp_path) -> None:
    path = render_pdf(make_audit(3, unsigned=["2026-0007 某通知"]), tmp_path / "a.pdf")
    fonts = pdf_fonts(path)
    assert fonts, "no font at all"
    assert [f["line"] for f in fonts if f["emb"] != "yes"] == []
    assert all(f["sub"] == "yes" for f in fonts)  # a subset, not the 20 MB font
    assert path.stat().st_size < 400_000


OPINION = (
    "同意，排除 2 项（pii.resident_id：已取得本人书面同意；marking.secret_level："
    "系引用法规原文），意见：删除附件后公开 https://example.gov.cn/a.html"
)
IDS = ("pii.resident_id", "marking.secret_level", "https://example.gov.cn/a.html")


@pytest.mark.parametrize("width", range(60, 200, 7))
def test_wrap_keeps_ids_whole_and_loses_nothing(width: int) -> None:
    from secreview.report.fonts import audit_font
    from secreview.report.render_pdf import _wrapper

    require_cjk_font()
    font = audit_font().name
    lines = _wrapper(font, 7.5)(OPINION, width).split("\n")
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for ident in IDS:
        if stringWidth(ident, font, 7.5) <= width:
            assert any(ident in ln for ln in lines), (ident, lines)
    assert all(stringWidth(ln, font, 7.5) <= width + 0.01 for ln in lines)
    assert "".join(lines).replace(" ", "") == OPINION.replace(" ", "")
    for before, ln in zip(lines, lines[1:], strict=False):
        # closing punctuation starts a line only after a word that alone filled one
        assert ln[:1] not in "，。；：）" or before in IDS or before.endswith(IDS), lines


def test_pdf_rule_ids_are_never_broken_mid_word(tmp_path) -> None:
    audit = make_audit(1)
    audit.rows[0].review_opinion = OPINION
    path = render_pdf(audit, tmp_path / "a.pdf")
    with pdfplumber.open(path) as pdf:
        lines = [
            ln.replace(" ", "") for p in pdf.pages for ln in (p.extract_text() or "").split("\n")
        ]
    assert any("pii.resident_id" in ln for ln in lines)
    assert any("marking.secret_level" in ln for ln in lines)


def test_pdf_without_a_cjk_font_fails_clearly(tmp_path, monkeypatch) -> None:
    from secreview.errors import MissingTool, UsageError
    from secreview.report import fonts

    monkeypatch.delenv(fonts.ENV, raising=False)
    monkeypatch.setattr(fonts, "DEBIAN_FONTS", ())
    monkeypatch.setattr(fonts, "BUNDLED_DIR", tmp_path / "none")
    out = tmp_path / "a.pdf"
    with pytest.raises(MissingTool) as info:
        render_pdf(make_audit(1), out)
    assert "fonts-arphic-uming" in info.value.message and "pdf_font" in info.value.message
    assert not out.exists()
    with pytest.raises(UsageError, match="找不到配置的 PDF 字体文件"):
        render_pdf(make_audit(1), out, font_path=tmp_path / "无此字体.ttf")
    latin = next(
        (p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",) if Path(p).is_file()),
        None,
    )
    if latin:  # a font without Chinese would print boxes: refused
        with pytest.raises(UsageError, match="缺少中文字符"):
            render_pdf(make_audit(1), out, font_path=latin)


def test_pdf_font_from_a_configured_path(tmp_path, monkeypatch) -> None:
    from secreview.report import fonts

    found = fonts.audit_font()
    monkeypatch.setenv(fonts.ENV, f"{found.path}#{found.index}")
    path = render_pdf(make_audit(1), tmp_path / "a.pdf")
    names = [f["name"] for f in pdf_fonts(path)]
    assert names and all(
        n.split("+", 1)[-1].startswith(names[0].split("+", 1)[-1][:4]) for n in names
    )


def test_xlsx_cells_are_typed_and_print_ready(tmp_path) -> None:
    from datetime import datetime

    audit = make_audit(4)
    audit.rows[1].leader_decision = "退回"
    audit.rows[2].title = '=HYPERLINK("https://evil.example/","点击")'
    audit.rows[3].drafter = "@SUM(A1)"
    path = render_xlsx(audit, tmp_path / "台账.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    header = [c.value for c in ws[3]]
    col = {h: i + 1 for i, h in enumerate(header)}
    row4 = {h: ws.cell(row=4, column=i) for h, i in col.items()}
    assert row4["序号"].value == 1 and row4["序号"].data_type == "n"
    assert row4["发现问题数"].value == 3 and row4["发现问题数"].data_type == "n"
    for name in ("提交时间（北京时间）", "领导意见时间（北京时间）", "公开时间（北京时间）"):
        assert row4[name].is_date and isinstance(row4[name].value, datetime), name
    assert row4["提交时间（北京时间）"].value == datetime(2026, 3, 2, 9, 0)
    assert ws.cell(row=4, column=col["领导意见"]).value == "同意签批"
    assert ws.cell(row=5, column=col["领导意见"]).value == "退回"
    assert ws.cell(row=5, column=col["领导意见时间（北京时间）"]).value == datetime(
        2026, 3, 2, 15, 30
    )
    assert row4["版本"].value == 1 and row4["版本"].data_type == "n"
    # formula-like text stays text: never a formula cell
    title = ws.cell(row=6, column=col["信息标题"])
    assert title.data_type == "s" and title.value.startswith("=HYPERLINK") and title.quotePrefix
    assert ws.cell(row=7, column=col["拟稿人"]).data_type == "s"
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]
    # print setup
    assert ws.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(len(header))}7"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    stats = {r[0].value: r[1] for r in wb["统计"].iter_rows(min_row=2) if r[0].value}
    assert stats["提交事项"].value == 4 and stats["提交事项"].data_type == "n"
    assert stats["提交至签批用时（中位数）"].value == 6.5


def test_csv_neutralises_formula_cells(tmp_path) -> None:
    audit = make_audit(2)
    audit.rows[0].title = "=1+1"
    audit.rows[1].dept = "-5"
    path = render_csv(audit, tmp_path / "台账.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][2] == "'=1+1" and rows[2][4] == "'-5"


def test_audit_shows_rule_names_with_ids_as_notes(tmp_path) -> None:
    audit = make_audit(1)
    audit.rows[0].review_opinion = "同意"
    audit.rows[0].dismissed = [("pii.resident_id", "已取得本人书面同意")]
    audit.rule_names = {"pii.resident_id": "公民身份号码"}
    cells = dict(zip(audit.to_dict()["columns"], audit.cells(audit.rows[0]), strict=True))
    assert "公民身份号码（pii.resident_id）：已取得本人书面同意" in cells["保密审查员及意见"]
    assert ("规则：公民身份号码（pii.resident_id）", "4") in audit.stat_lines()

"""Residue through the whole pipeline: recovered text is scanned by the rules, and a rule hit
in residue keeps the rule's severity (issue 4's acceptance)."""

from __future__ import annotations

import openpyxl

from secreview.config import Config
from secreview.pipeline import scan_bytes
from tests.helpers import docx_builder as D
from tests.helpers import pdf_builder as P
from tests.helpers.xlsx_builder import to_bytes as xlsx_bytes

VALID_ID = "110105196503120216"


def test_clean_docx_with_id_in_deleted_revision_blocks(config: Config) -> None:
    d = D.new_document()
    d.add_paragraph("关于城乡居民医疗救助审核结果的公示")
    D.append_xml_paragraph(
        d, D.dele(f"身份证号{VALID_ID}，", 7) + D.run("王某某，救助金额3000元。")
    )
    report = scan_bytes(D.to_bytes(d), "公示.docx", config)
    assert report.verdict == "block"
    [hit] = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert hit.location.part == "revision_delete"
    assert hit.category == "personal_info" and hit.severity == "block"
    assert hit.text == VALID_ID
    revision = [f for f in report.findings if f.rule == "residue.revisions"]
    assert revision and revision[0].severity == "review"


def test_accepted_text_only_docx_passes(config: Config) -> None:
    d = D.new_document()
    d.add_paragraph("关于城乡居民医疗救助审核结果的公示")
    d.add_paragraph("王某某，东城街道，救助金额3000元。")
    report = scan_bytes(D.to_bytes(d), "公示.docx", config)
    assert report.verdict == "pass"
    assert all(f.severity == "info" for f in report.findings)


def test_pdf_black_box_over_name_and_id_blocks_with_covered_text(config: Config) -> None:
    report = scan_bytes(P.redaction_pdf(), "公告.pdf", config)
    assert report.verdict == "block"
    redaction = [f for f in report.findings if f.rule == "residue.redaction"]
    assert redaction and redaction[0].severity == "block"
    covered = [f for f in report.findings if f.location.part == "under_redaction"]
    assert any(f.rule == "pii.resident_id" and f.text == "11010519491231002X" for f in covered)
    assert "王建国" in redaction[0].text + redaction[0].context


def test_xlsx_hidden_sheet_with_ids_blocks(config: Config) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "公示"
    ws.append(["姓名", "补贴金额"])
    ws.append(["李某", 600])
    hidden = wb.create_sheet("原始名单")
    hidden.append(["姓名", "身份证号码"])
    hidden.append(["李某某", VALID_ID])
    hidden.sheet_state = "hidden"
    report = scan_bytes(xlsx_bytes(wb), "公示.xlsx", config)
    assert report.verdict == "block"
    [hit] = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert hit.location.part == "hidden" and hit.location.sheet == "原始名单"
    assert hit.location.cell == "B2"
    assert any(f.rule == "residue.hidden_sheets" for f in report.findings)

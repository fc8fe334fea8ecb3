"""The document page's view model: findings placed back into the extracted text, residue and
machine-read text marked apart, personal numbers masked without moving any mark.

Real documents through the real extractor and scanner (the same functions the desk's worker
runs), then the view built from the stored report, as the page does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secreview.config import Config
from secreview.desk.document import build_view
from secreview.desk.scanner import Extracted, _init_worker, extract_job, scan_job
from secreview.mask import mask_numbers
from tests.helpers.desk import notice_docx

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def worker() -> None:
    _init_worker(Config())  # what each worker process does once


def scanned(tmp_path: Path, name: str, data: bytes) -> tuple[Extracted, list[dict[str, Any]]]:
    path = tmp_path / name
    path.write_bytes(data)
    outcome = scan_job(str(path), name)
    from secreview.service import _ensure_fingerprints

    report = outcome.report.to_dict()
    _ensure_fingerprints(report)
    return outcome.text, report["findings"]


def marked(view: Any) -> dict[int, str]:
    """Finding number → the text shown under its mark (all pieces joined)."""
    out: dict[int, str] = {}
    for page in view.pages:
        for block in page.blocks:
            for piece in block.pieces:
                for n in piece.findings:
                    out[n] = out.get(n, "") + piece.text
    return out


def test_every_finding_of_a_real_notice_is_placed_and_residue_is_apart(worker, tmp_path):
    text, findings = scanned(tmp_path, "通知.docx", notice_docx())
    view = build_view(text, findings)
    assert view.error is None and view.unplaced == 0
    by_rule = {f.rule: f for f in view.findings}
    marks = marked(view)
    assert marks[by_rule["marking.secret_level"].n] == "秘密★1年"
    assert marks[by_rule["pii.mobile"].n] == "139****5678"  # masked, in place
    kinds = {(b.part, b.kind) for p in view.pages for b in p.blocks}
    assert ("revision_delete", "residue") in kinds and ("comment", "residue") in kinds
    assert ("body", "content") in kinds
    # the deleted words are marked inside the residue block, not in the body
    (deleted,) = [b for p in view.pages for b in p.blocks if b.part == "revision_delete"]
    assert "不得外传" in "".join(pc.text for pc in deleted.pieces if pc.findings)
    # a residue finding about the comments as a whole is flagged on the comment
    (comment,) = [b for p in view.pages for b in p.blocks if b.part == "comment"]
    assert by_rule["residue.comments"].n in comment.flags
    assert "（北京时间）" in comment.label and "Z" not in comment.label
    # no personal number anywhere on the page
    shown = "".join(pc.text for p in view.pages for b in p.blocks for pc in b.pieces)
    assert "13912345678" not in shown
    assert all("13912345678" not in f.context for f in view.findings)


def test_revealed_shows_the_numbers(worker, tmp_path):
    text, findings = scanned(tmp_path, "通知.docx", notice_docx())
    view = build_view(text, findings, reveal=True)
    marks = marked(view)
    mobile = next(f for f in view.findings if f.rule == "pii.mobile")
    assert marks[mobile.n] == "13912345678"
    assert view.revealed


def test_the_context_picks_the_right_one_of_equal_matches():
    seg = "第一处：甲方电话 13912345678。第二处：乙方电话 13912345678。"
    second = seg.rindex("13912345678")
    text = Extracted(segments=[(seg, {"part": "body", "paragraph": 1}, [])])
    finding = {
        "rule": "pii.mobile",
        "category": "personal_info",
        "severity": "review",
        "text": "13912345678",
        "context": "…第二处：乙方电话 13912345678。",
        "location": {"part": "body", "paragraph": 1},
        "fingerprint": "f" * 20,
    }
    view = build_view(text, [finding], reveal=True)
    pieces = view.pages[0].blocks[0].pieces
    start = 0
    for pc in pieces:
        if pc.findings:
            break
        start += len(pc.text)
    assert start == second


def test_a_finer_location_inside_a_row_is_found_in_its_span():
    row = "张三 | 370402199001011234 | 北京市"
    cell = row.index("3704")
    text = Extracted(
        segments=[
            (
                row,
                {"part": "table", "row": 2},
                [(cell, cell + 18, {"part": "table", "row": 2, "col": 2})],
            )
        ]
    )
    finding = {
        "rule": "pii.id_number",
        "category": "personal_info",
        "severity": "block",
        "text": "370402199001011234",
        "context": row,
        "location": {"part": "table", "row": 2, "col": 2},
        "fingerprint": "a" * 20,
    }
    view = build_view(text, [finding])
    block = view.pages[0].blocks[0]
    shown = "".join(pc.text for pc in block.pieces)
    assert len(shown) == len(row)  # masking moved nothing
    (hit,) = [pc for pc in block.pieces if pc.findings]
    assert hit.text == "370" + "*" * 11 + "1234" and hit.severity == "block"
    assert hit.anchors == (1,)


def test_a_finding_that_cannot_be_placed_is_still_listed():
    text = Extracted(segments=[("正文一段。", {"part": "body", "paragraph": 1}, [])])
    finding = {
        "rule": "x.y",
        "category": "work_secret",
        "severity": "review",
        "text": "不在正文里",
        "context": "不在正文里",
        "location": {"part": "footer", "page": 3},
        "fingerprint": "b" * 20,
    }
    view = build_view(text, [finding])
    assert view.unplaced == 1 and not view.findings[0].placed
    assert view.findings[0].where == "第3页 页脚"


def test_overlapping_findings_share_pieces_with_the_worst_severity():
    seg = "机密级文件内部资料"
    text = Extracted(segments=[(seg, {"part": "body"}, [])])
    a = {
        "rule": "a",
        "severity": "review",
        "text": "机密级文件",
        "context": seg,
        "location": {"part": "body"},
    }
    b = {
        "rule": "b",
        "severity": "block",
        "text": "文件内部",
        "context": seg,
        "location": {"part": "body"},
    }
    view = build_view(text, [a, b])
    pieces = view.pages[0].blocks[0].pieces
    # numbered as show numbers them: worst first (b is 1, a is 2)
    assert [(pc.text, pc.findings, pc.severity) for pc in pieces] == [
        ("机密级", (2,), "review"),
        ("文件", (2, 1), "block"),
        ("内部", (1,), "block"),
        ("资料", (), None),
    ]
    assert [g.rule for g in view.groups] == ["b", "a"]  # block findings first


def test_pages_are_grouped_in_document_order(worker, tmp_path):
    from tests.helpers.pdf_builder import text_pdf

    data = text_pdf([["第一页正文，联系电话 13912345678。"], ["第二页正文。"]])
    text, findings = scanned(tmp_path, "两页.pdf", data)
    view = build_view(text, findings)
    titles = [p.title for p in view.pages]
    assert titles[:2] == ["第 1 页", "第 2 页"]


def test_the_extraction_of_a_broken_file_is_one_line(worker):
    got = extract_job(b"PK\x03\x04 broken", "坏.docx")
    assert got.error and "\n" not in got.error and got.segments == []


@given(st.text(alphabet="0123456789 -年月号电话身份证ABCX", max_size=80))
def test_masking_keeps_every_position(text):
    assert len(mask_numbers(text)) == len(text)


def test_text_under_black_boxes_is_residue_and_the_number_masked(worker, tmp_path):
    from tests.helpers.pdf_builder import redaction_pdf

    text, findings = scanned(tmp_path, "公告.pdf", redaction_pdf())
    view = build_view(text, findings)
    under = [b for p in view.pages for b in p.blocks if b.part == "under_redaction"]
    assert under and all(b.kind == "residue" for b in under)
    shown = "".join(pc.text for b in under for pc in b.pieces)
    assert "11010519491231002X" not in shown and "002X" in shown
    assert any(f.part == "under_redaction" and f.placed for f in view.findings)


def test_text_read_from_a_picture_is_marked_machine_read(worker, tmp_path):
    pytest.importorskip("rapidocr_onnxruntime", reason="the OCR extra is not installed")
    from tests.helpers.image_builder import render_page, to_bytes

    page = render_page(["关于开展消防安全检查的通知", "联系人手机 13912345678"])
    text, findings = scanned(tmp_path, "扫描件.png", to_bytes(page))
    view = build_view(text, findings)
    machine = [b for p in view.pages for b in p.blocks if b.kind == "machine"]
    assert machine and all(b.part == "ocr" for b in machine)
    mobile = [f for f in view.findings if f.rule == "pii.mobile"]
    assert mobile and mobile[0].placed and mobile[0].kind == "machine"


def test_findings_have_the_numbers_show_gives_them(worker, tmp_path):
    from secreview.numbering import number_of

    text, findings = scanned(tmp_path, "通知.docx", notice_docx())
    view = build_view(text, findings)
    assert {f.fingerprint: f.n for f in view.findings} == number_of(findings)
    assert [f.severity for f in view.findings][0] == "block"

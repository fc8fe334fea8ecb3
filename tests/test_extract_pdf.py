"""PDF extraction: text by page, residue (redaction, invisible text, scans, annotations,
metadata, attachments), and hostile files through the pipeline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption

from secreview.config import Config, Limits
from secreview.extract import extract_bytes
from secreview.model import Document, Report
from secreview.pipeline import scan_file
from tests.helpers import pdf_builder as pb


def _extract(data: bytes) -> Document:
    return extract_bytes(data, "t.pdf", Limits())


def _parts(doc: Document, part: str) -> list[str]:
    return [s.text for s in doc.segments if s.location.part == part]


def _scan(tmp_path: Path, data: bytes, limits: Limits | None = None) -> Report:
    path = tmp_path / "in.pdf"
    path.write_bytes(data)
    return scan_file(path, Config(limits=limits or Limits(), use_classifier=False))


# --- text -------------------------------------------------------------------------------


def test_text_per_page_with_page_numbers() -> None:
    data = pb.text_pdf(
        [
            ["第一页第一段：全区春耕生产有序推进。", "第一页第二段：各街道做好宣传。"],
            ["第二页：农业农村局负责技术指导。"],
            ["第三页：本通知自印发之日起施行。"],
        ]
    )
    doc = _extract(data)
    assert doc.format == "pdf"
    assert doc.facts["pages"] == 3
    body = [
        (s.location.page, s.location.paragraph, s.text)
        for s in doc.segments
        if s.location.part == "body"
    ]
    assert body == [
        (1, 1, "第一页第一段：全区春耕生产有序推进。"),
        (1, 2, "第一页第二段：各街道做好宣传。"),
        (2, 1, "第二页：农业农村局负责技术指导。"),
        (3, 1, "第三页：本通知自印发之日起施行。"),
    ]


def test_wrapped_lines_join_into_one_paragraph_without_spaces() -> None:
    long = "为进一步规范政府信息公开工作，提高公开质量，" * 4
    doc = _extract(pb.text_pdf([[long, "第二段。"]]))
    body = _parts(doc, "body")
    assert body == [long, "第二段。"]


def test_marking_at_top_of_page_one_blocks(tmp_path: Path) -> None:
    doc = _extract(pb.marking_pdf())
    first = doc.segments[0]
    assert (first.text, first.location.page, first.location.paragraph) == ("秘密★1年", 1, 1)
    report = _scan(tmp_path, pb.marking_pdf())
    assert report.verdict == "block"
    hits = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert len(hits) == 1
    assert hits[0].text == "秘密★1年"
    assert hits[0].location.page == 1 and hits[0].location.part == "body"


def test_spaced_out_marking_is_found(tmp_path: Path) -> None:
    report = _scan(tmp_path, pb.marking_pdf("秘 密 ★ 1 年"))
    assert report.verdict == "block"
    hits = [f for f in report.findings if f.rule == "marking.secret_level"]
    assert [h.location.page for h in hits] == [1]


# --- residue ----------------------------------------------------------------------------


def test_failed_redaction_recovers_covered_text(tmp_path: Path) -> None:
    doc = _extract(pb.redaction_pdf())
    covered = [s for s in doc.segments if s.location.part == "under_redaction"]
    assert [s.text for s in covered] == ["王建国", "11010519491231002X"]
    assert all(s.location.page == 1 and s.location.bbox for s in covered)
    # the covered text is not in the visible body
    body = " ".join(_parts(doc, "body"))
    assert "王建国" not in body and "11010519491231002X" not in body
    assert "当事人：" in body
    notes = [n for n in doc.residue if n.kind == "redaction"]
    assert len(notes) == 1 and notes[0].count == 2 and notes[0].severity == "block"
    assert "第1页有 2 处黑框遮盖" in notes[0].message

    report = _scan(tmp_path, pb.redaction_pdf())
    assert report.verdict == "block"
    found = [f for f in report.findings if f.rule == "residue.redaction"]
    assert len(found) == 1 and found[0].severity == "block"
    assert found[0].location.part == "under_redaction"


def test_white_and_render_mode_3_text_is_invisible() -> None:
    doc = _extract(pb.invisible_pdf())
    assert _parts(doc, "invisible") == [
        "内部联系人李明手机13812345678",
        "此段文字不显示仅供内部参考",
    ]
    assert _parts(doc, "body") == ["本通知自发布之日起施行。"]
    notes = [n for n in doc.residue if n.kind == "invisible_text"]
    assert len(notes) == 1 and notes[0].count == 2 and notes[0].location.page == 1


def test_image_only_page_needs_manual_review(tmp_path: Path, monkeypatch) -> None:
    from secreview.extract import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)  # without the OCR extra
    doc = _extract(pb.image_only_pdf())
    notes = [n for n in doc.residue if n.kind == "image_only_page"]
    assert len(notes) == 1
    assert notes[0].location.part == "image_only_page" and notes[0].location.page == 2
    assert notes[0].message.startswith("第2页为图片，无法自动审查，需人工核对")
    assert notes[0].severity == "review"
    report = _scan(tmp_path, pb.image_only_pdf())
    assert report.verdict == "review"


def test_blank_scanned_page_still_needs_review_with_ocr(tmp_path: Path) -> None:
    from secreview.extract import ocr

    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")
    doc = _extract(pb.image_only_pdf())  # page 2 is a grey picture: OCR finds no text
    (note,) = [n for n in doc.residue if n.kind == "ocr_empty"]
    assert note.severity == "review" and note.location.page == 2
    assert not [n for n in doc.residue if n.kind == "ocr"]
    assert _scan(tmp_path, pb.image_only_pdf()).verdict == "review"


def test_no_false_alarms_from_borders_bands_logos_highlights_and_seals() -> None:
    doc = _extract(pb.false_alarm_pdf())
    body = _parts(doc, "body")
    for visible in (
        "某某区人民政府办公室文件",
        "道路维修 已完成",
        "区政府门户网站",
        "请各单位于三月底前报送材料",
        "联系电话：区政务服务热线",
        "二〇二四年三月一日",
    ):
        assert visible in body
    assert _parts(doc, "under_redaction") == []
    assert _parts(doc, "invisible") == []
    kinds = {n.kind for n in doc.residue}
    assert kinds.isdisjoint({"redaction", "invisible_text", "image_only_page"})


def test_annotations_and_form_values() -> None:
    doc = _extract(pb.annotated_pdf())
    ann = [s for s in doc.segments if s.location.part in ("annotation", "form_field")]
    assert [(s.text, s.location.part, s.location.field) for s in ann] == [
        ("此处数据待核实，勿外传", "annotation", "Text"),
        ("13912345678", "form_field", "form:phone"),
    ]
    assert ann[0].location.page == 1
    notes = [n for n in doc.residue if n.kind == "annotations"]
    assert len(notes) == 1 and notes[0].count == 2


def test_metadata_person_author_needs_review() -> None:
    doc = _extract(pb.metadata_pdf("张三"))
    assert doc.metadata["Author"] == "张三"
    assert doc.metadata["Title"] == "年度工作总结"
    meta = {s.location.field: s.text for s in doc.segments if s.location.part == "metadata"}
    assert meta["Author"] == "张三" and meta["Keywords"] == "总结,年度"
    (note,) = [n for n in doc.residue if n.kind == "metadata"]
    assert note.severity == "review" and "张三" in note.message


def test_metadata_org_author_is_info() -> None:
    doc = _extract(pb.metadata_pdf("某某区教育局"))
    (note,) = [n for n in doc.residue if n.kind == "metadata"]
    assert note.severity == "info"


def test_embedded_pdf_is_extracted_and_noted(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    data = pb.with_attachment(pb.text_pdf([["正文。"]]), "附件一.pdf", pb.marking_pdf())
    doc = _extract(data)
    inner = [s for s in doc.segments if (s.location.field or "").startswith("embedded:附件一.pdf")]
    assert inner and inner[0].text == "秘密★1年" and inner[0].location.page == 1
    (note,) = [n for n in doc.residue if n.kind == "embedded"]
    assert "附件一.pdf" in note.message
    report = _scan(tmp_path, data)
    assert report.verdict == "block"
    assert any(
        f.rule == "marking.secret_level" and f.location.field == "embedded:附件一.pdf"
        for f in report.findings
    )


def test_unsupported_attachment_is_named_for_manual_review() -> None:
    pytest.importorskip("pypdf")
    doc = _extract(pb.with_attachment(pb.text_pdf([["正文。"]]), "tool.bin", b"\x00\x01\x02"))
    (note,) = [n for n in doc.residue if n.kind == "embedded"]
    assert "需人工核对：tool.bin" in note.message


def test_encrypted_with_empty_user_password_is_read() -> None:
    pytest.importorskip("pypdf")
    data = pb.encrypt_with_pypdf(pb.text_pdf([["公开内容。"]]), "")
    assert _parts(_extract(data), "body") == ["公开内容。"]


def test_undecodable_text_layer_needs_manual_review() -> None:
    # reportlab's RC4 encryption with an empty user password leaves the CID font's
    # mapping unreadable to pdfminer: every glyph comes out as "(cid:N)".
    data = pb.text_pdf(
        [["本页文字提取后是乱码，需要人工核对。"]],
        encrypt=StandardEncryption("", ownerPassword="owner"),
    )
    doc = _extract(data)
    assert _parts(doc, "body")[0].startswith("(cid:")
    (note,) = [n for n in doc.residue if n.kind == "undecodable_text"]
    assert note.location.page == 1 and note.severity == "review"


def test_password_protected_by_pypdf(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    _error(tmp_path, pb.encrypt_with_pypdf(pb.text_pdf([["内部。"]]), "secret"), "encrypted_pdf")


# --- hostile input through the pipeline --------------------------------------------------


def _error(tmp_path: Path, data: bytes, code: str, limits: Limits | None = None) -> None:
    start = time.monotonic()
    report = _scan(tmp_path, data, limits)
    assert time.monotonic() - start < 10
    assert report.verdict == "error"
    assert report.error is not None and report.error.code == code
    assert report.error.message and "\n" not in report.error.message


def test_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    full = pb.text_pdf([["第一页。"], ["第二页。"]])
    _error(tmp_path, full[: len(full) // 2], "corrupt_file")


def test_header_then_garbage_is_corrupt(tmp_path: Path) -> None:
    garbage = bytes((i * 37 + 11) % 256 for i in range(4000))
    _error(tmp_path, b"%PDF-1.4\n" + garbage, "corrupt_file")


def test_password_protected_pdf(tmp_path: Path) -> None:
    data = pb.text_pdf([["内部内容。"]], encrypt=StandardEncryption("userpw", ownerPassword="o"))
    _error(tmp_path, data, "encrypted_pdf")


def test_too_many_pages(tmp_path: Path) -> None:
    data = pb.text_pdf([[f"第{i}页。"] for i in range(1, 7)])
    _error(tmp_path, data, "too_large", Limits(max_pages=5))
    assert _scan(tmp_path, data, Limits(max_pages=6)).verdict != "error"


def test_content_stream_bomb_hits_the_deadline(tmp_path: Path) -> None:
    _error(tmp_path, pb.content_bomb_pdf(), "timeout", Limits(seconds_per_file=1))

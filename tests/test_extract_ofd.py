"""OFD (GB/T 33190): pages, templates, annotations, attachments, metadata, tags, seals."""

from __future__ import annotations

import io
import zipfile

import pytest

from secreview.config import Config, Limits
from secreview.errors import CorruptFile, TooLarge
from secreview.extract import extract_bytes
from secreview.pipeline import scan_bytes
from tests.helpers import ofd_builder as O
from tests.helpers import office_builder as B

LIMITS = Limits()
CFG_NC = Config(use_classifier=False)


def _doc(spec: O.OfdSpec):
    return extract_bytes(O.build(spec), "文件.ofd", LIMITS)


def test_page_text_in_reading_order_with_position() -> None:
    doc = _doc(O.OfdSpec(pages=[["标题一行", "第一段正文。"], ["第二页"]]))
    body = [
        (s.location.page, s.location.paragraph, s.text)
        for s in doc.segments
        if s.location.part == "body"
    ]
    assert body == [(1, 1, "标题一行"), (1, 2, "第一段正文。"), (2, 1, "第二页")]
    first = next(s for s in doc.segments if s.location.part == "body")
    x0, top, x1, bottom = first.location.bbox
    assert 70 < x0 < 72 and top < bottom and x1 > x0  # 25 mm from the left edge, in pt
    assert doc.facts["pages"] == 2


def test_id_wrapped_over_two_lines_is_one_paragraph() -> None:
    line = (
        "各单位：请于本月底前完成自查并报送结果，逾期未报的予以通报，联系人身份证号"
        + B.RESIDENT_ID
        + "，电话另告。"
    )
    report = scan_bytes(O.build(O.OfdSpec(pages=[[line]])), "a.ofd", Config(use_classifier=False))
    assert [f.text for f in report.findings if f.rule == "pii.resident_id"] == [B.RESIDENT_ID]


def test_namespace_free_ofd_is_read() -> None:
    spec = O.OfdSpec(pages=[[B.MARK]], namespace="http://www.ofdspec.org")
    doc = _doc(spec)
    assert any(s.text == B.MARK for s in doc.segments)


def test_metadata_custom_data_and_author() -> None:
    doc = _doc(
        O.OfdSpec(pages=[["正文"]], author="王建国", custom_datas={"发文字号": "示例〔2024〕3号"})
    )
    meta = {s.location.field: s.text for s in doc.segments if s.location.part == "metadata"}
    assert meta["Author"] == "王建国" and meta["CustomData:发文字号"] == "示例〔2024〕3号"
    (note,) = [n for n in doc.residue if n.kind == "metadata"]
    assert note.severity == "review" and note.location.field == "Author"


def test_annotations_attachments_tags_and_seals() -> None:
    spec = O.OfdSpec(
        pages=[["正文"], ["第二页"]],
        annotations=[O.Annotation(1, "此段请核实", "李明", appearance_text="内部资料")],
        attachments=[("名单.txt", ("身份证号 " + B.RESIDENT_ID + "\n").encode())],
        custom_tags={"密级": "秘密", "份号": "000123"},
        seals=1,
    )
    report = scan_bytes(O.build(spec), "a.ofd", Config(use_classifier=False))
    by_rule = {f.rule: f for f in report.findings}
    ann = by_rule["marking.internal_material"].location
    assert (ann.part, ann.page, ann.field) == ("annotation", 2, "Highlight（李明）")
    att = by_rule["pii.resident_id"].location
    assert (att.part, att.field) == ("attachment", "名单.txt")
    seal = by_rule["residue.signatures"]
    assert seal.severity == "info" and "电子签章" in seal.reason and seal.location.page == 1
    assert by_rule["residue.annotations"].severity == "review"
    assert by_rule["residue.embedded"].severity == "review"
    doc = extract_bytes(O.build(spec), "a.ofd", LIMITS)
    tags = {s.location.field: s.text for s in doc.segments if s.location.part == "custom_xml"}
    assert tags == {"公文:密级": "秘密", "公文:份号": "000123"}


def test_scanned_page_is_not_passed(monkeypatch) -> None:
    from secreview.extract import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    report = scan_bytes(
        O.build(O.OfdSpec(pages=[["正文"], []], image_only_pages=[1])),
        "a.ofd",
        Config(use_classifier=False),
    )
    (note,) = [f for f in report.findings if f.rule == "residue.image_only_page"]
    assert note.severity == "review" and note.location.page == 2


def _replace(data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            zf.writestr(item, content if item.filename == name else src.read(item.filename))
    return out.getvalue()


def test_hostile_and_broken_packages() -> None:
    data = O.build(O.OfdSpec(pages=[["正文"]]))
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">&a;</ofd:Page>'
    with pytest.raises(CorruptFile, match="DTD"):
        extract_bytes(_replace(data, "Doc_0/Pages/Page_0/Content.xml", laughs), "a.ofd", LIMITS)
    with pytest.raises(CorruptFile, match="Document.xml"):
        extract_bytes(_drop(data, "Doc_0/Document.xml"), "a.ofd", LIMITS)
    with pytest.raises(TooLarge):
        extract_bytes(O.build(O.OfdSpec(pages=[["一"]] * 5)), "a.ofd", Limits(max_pages=3))


def _drop(data: bytes, name: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            if item.filename != name:
                zf.writestr(item, src.read(item.filename))
    return out.getvalue()


def test_scanned_page_is_read_by_ocr() -> None:
    from secreview.extract import ocr
    from tests.helpers import image_builder as IB

    IB.require_font()
    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")
    png = IB.to_bytes(IB.render_page(dpi=150))
    spec = O.OfdSpec(pages=[["正文"], []], image_only_pages=[1], scan_png=png)
    report = scan_bytes(O.build(spec), "a.ofd", Config(use_classifier=False))
    by_rule = {f.rule: f for f in report.findings}
    mark = by_rule["marking.secret_level"]
    assert (mark.location.part, mark.location.page) == ("ocr", 2)
    assert by_rule["pii.resident_id"].text == B.RESIDENT_ID
    x0, top, _x1, _bottom = mark.location.bbox
    assert 60 < x0 < 80 and 60 < top < 100  # pt: the page is 210 mm wide, margins 1 inch
    assert "residue.image_only_page" not in by_rule


def test_white_text_is_invisible_residue() -> None:
    spec = O.OfdSpec(pages=[["正文"]], white_lines=[(0, "身份证号 " + B.RESIDENT_ID)])
    report = scan_bytes(O.build(spec), "a.ofd", Config(use_classifier=False))
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert (pid.location.part, pid.location.page) == ("invisible", 1)
    note = next(f for f in report.findings if f.rule == "residue.invisible_text")
    assert note.severity == "review"
    doc = extract_bytes(O.build(spec), "a.ofd", LIMITS)
    assert [s.text for s in doc.segments if s.location.part == "body"] == ["正文"]


def test_issue_14_encrypted_ofd_is_an_error_not_an_empty_pass() -> None:
    data = O.build(O.OfdSpec(pages=[[B.MARK, "正文"]], encrypted=True))
    report = scan_bytes(data, "加密.ofd", Config(use_classifier=False))
    assert report.verdict == "error" and report.error is not None
    assert report.error.code == "encrypted_file" and "加密" in report.error.message
    # an Encrypt… descriptor named in OFD.xml itself is refused the same way
    plain = O.build(O.OfdSpec(pages=[["正文"]]))
    src = zipfile.ZipFile(io.BytesIO(plain))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            content = src.read(name)
            if name == "OFD.xml":
                content = content.replace(
                    b"</ofd:DocBody>",
                    b"<ofd:EncryptInfo>Enc/Info.xml</ofd:EncryptInfo></ofd:DocBody>",
                )
            zf.writestr(name, content)
    report = scan_bytes(out.getvalue(), "加密2.ofd", Config(use_classifier=False))
    assert report.error is not None and report.error.code == "encrypted_file"


def test_issue_14_text_kept_only_as_glyph_numbers_is_review() -> None:
    spec = O.OfdSpec(pages=[["关于开展安全检查的通知"]], glyph_lines=[(0, [1203, 877, 45, 3321])])
    report = scan_bytes(O.build(spec), "字形.ofd", Config(use_classifier=False))
    note = next(f for f in report.findings if f.rule == "residue.glyph_only_text")
    assert note.severity == "review" and report.verdict == "review"
    assert note.location.page == 1 and note.location.bbox is not None and "字形编号" in note.reason
    clean = scan_bytes(O.build(O.OfdSpec(pages=[["关于开展安全检查的通知"]])), "a.ofd", CFG_NC)
    assert not [f for f in clean.findings if f.rule == "residue.glyph_only_text"]


def test_issue_14_glyph_numbers_are_read_through_the_embedded_font() -> None:
    text = f"{B.MARK} 身份证号{B.RESIDENT_ID}"
    font, gid = O.subset_font(text + "X")
    spec = O.OfdSpec(
        pages=[["关于开展安全检查的通知"]],
        glyph_lines=[(0, [gid[ch] for ch in text])],
        glyph_font=font,
    )
    report = scan_bytes(O.build(spec), "字形.ofd", CFG_NC)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert (mark.location.part, mark.location.page) == ("body", 1)
    assert pid.text == B.RESIDENT_ID
    assert not [f for f in report.findings if f.rule == "residue.glyph_only_text"]
    # a glyph the font's cmap does not name: that text cannot be told, so it is left for review
    spec.glyph_lines = [(0, [gid[ch] for ch in B.MARK] + [len(gid) + 5])]
    report = scan_bytes(O.build(spec), "字形.ofd", CFG_NC)
    assert [f for f in report.findings if f.rule == "residue.glyph_only_text"]

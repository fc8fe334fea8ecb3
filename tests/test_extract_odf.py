"""OpenDocument (ODT/ODS/ODP) built with odfpy: text, residue, sheets, slides."""

from __future__ import annotations

from secreview.config import Config, Limits
from secreview.extract import extract_bytes
from secreview.pipeline import scan_bytes
from tests.helpers import office_builder as B

CFG = Config(use_classifier=False)


def test_odt_text_residue_and_properties() -> None:
    data = B.odt_bytes(
        ["第一段", "第二段"],
        comment=("李明", "这段删掉"),
        deleted="删去的句子 此件不公开",
        hidden="隐藏段落 内部资料",
        creator="王建国",
        header="页眉文字",
    )
    doc = extract_bytes(data, "a.odt", Limits())
    parts = {(s.location.part, s.text) for s in doc.segments}
    assert {("body", "第一段"), ("body", "第二段"), ("header", "页眉文字")} <= parts
    assert ("revision_delete", "删去的句子 此件不公开") in parts
    assert ("hidden", "隐藏段落 内部资料") in parts
    (comment,) = [s for s in doc.segments if s.location.part == "comment"]
    assert comment.text == "这段删掉" and "李明" in (comment.location.field or "")
    kinds = {n.kind: n for n in doc.residue}
    assert {"comments", "revisions", "hidden_text", "metadata"} <= set(kinds)
    assert kinds["metadata"].severity == "review"  # initial creator looks like a person
    report = scan_bytes(data, "a.odt", CFG)
    assert {f.rule for f in report.findings} >= {
        "marking.disclosure_attribute",
        "marking.internal_material",
    }


def test_ods_cells_are_located_by_sheet_and_a1() -> None:
    data = B.ods_bytes({"名单": [["姓名", "身份证号"], ["王建国", B.RESIDENT_ID]]})
    report = scan_bytes(data, "a.ods", CFG)
    (f,) = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert (f.location.part, f.location.sheet, f.location.cell) == ("sheet", "名单", "B2")


def test_odp_slides_and_notes() -> None:
    data = B.odp_bytes([["第一张"], ["第二张", B.MARK]], notes={1: "备注 " + B.RESIDENT_ID})
    report = scan_bytes(data, "a.odp", CFG)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert (mark.location.part, mark.location.page, mark.location.paragraph) == ("slide", 2, 2)
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert (pid.location.part, pid.location.page) == ("notes", 2)


def test_ods_hidden_sheets_and_rows_are_residue() -> None:
    data = B.ods_bytes(
        {
            "公示": [["姓名", "金额"], ["王某", "100"], ["备注", "身份证号 " + B.RESIDENT_ID]],
            "底稿": [[B.MARK]],
        },
        hidden_sheets=["底稿"],
        hidden_rows={"公示": [3]},
    )
    report = scan_bytes(data, "a.ods", CFG)
    by_rule = {f.rule: f for f in report.findings}
    assert by_rule["marking.secret_level"].location.to_dict()["part"] == "hidden"
    assert by_rule["marking.secret_level"].location.sheet == "底稿"
    pid = by_rule["pii.resident_id"].location
    assert (pid.part, pid.sheet, pid.cell) == ("hidden", "公示", "B3")
    assert "「底稿」" in by_rule["residue.hidden_sheets"].reason
    assert by_rule["residue.hidden_cells"].severity == "review"


def test_password_protected_odf_is_encrypted_file() -> None:
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(B.odt_bytes(["正文"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "META-INF/manifest.xml":
                data = data.replace(
                    b'manifest:full-path="content.xml"',
                    b'manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1"/',
                    1,
                )
            zf.writestr(item, data)
    report = scan_bytes(out.getvalue(), "a.odt", CFG)
    assert report.verdict == "error" and report.error is not None
    assert report.error.code == "encrypted_file"


def test_picture_in_an_odt_is_read_by_ocr() -> None:
    import io

    import pytest
    from odf import draw, text
    from odf.opendocument import OpenDocumentText

    from secreview.extract import ocr
    from tests.helpers import image_builder as IB

    IB.require_font()
    if not ocr.available():
        pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")
    doc = OpenDocumentText()
    png = IB.to_bytes(IB.render_page(["身份证号 " + B.RESIDENT_ID], dpi=100))
    href = doc.addPictureFromString(png, "image/png")
    frame = draw.Frame(width="15cm", height="20cm", anchortype="paragraph")
    frame.addElement(draw.Image(href=href))
    p = text.P(text="附扫描件：")
    p.addElement(frame)
    doc.text.addElement(p)
    buf = io.BytesIO()
    doc.write(buf)
    report = scan_bytes(buf.getvalue(), "a.odt", CFG)
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert pid.location.part == "ocr" and pid.text == B.RESIDENT_ID


def test_odp_hidden_slide_and_alt_text() -> None:
    data = B.odp_bytes(
        [["公开内容"], [B.MARK, "内部讨论稿"]], hidden=[1], alt={0: "身份证号 " + B.RESIDENT_ID}
    )
    report = scan_bytes(data, "a.odp", CFG)
    mark = next(f for f in report.findings if f.rule == "marking.secret_level")
    assert (mark.location.part, mark.location.page) == ("hidden", 2)
    note = next(f for f in report.findings if f.rule == "residue.hidden_slides")
    assert note.severity == "review" and "第2张" in note.reason
    pid = next(f for f in report.findings if f.rule == "pii.resident_id")
    assert (pid.location.part, pid.location.page, pid.location.field) == ("slide", 1, "alt_text")
    shown = scan_bytes(B.odp_bytes([["公开内容"], ["第二张"]]), "b.odp", CFG)
    assert not [f for f in shown.findings if f.rule == "residue.hidden_slides"]

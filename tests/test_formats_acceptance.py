"""Issue 14 acceptance: a real file of every new format, each holding a secret-level marking
and a resident ID in different parts, and both are found where they are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from secreview.config import Config
from secreview.extract import legacy, ocr
from secreview.pipeline import scan_file
from tests.helpers import docx_builder as D
from tests.helpers import image_builder as IB
from tests.helpers import ofd_builder as O
from tests.helpers import office_builder as B
from tests.helpers import pdf_builder as P

ID = B.RESIDENT_ID


def _ofd() -> bytes:
    return O.build(
        O.OfdSpec(
            pages=[
                ["关于开展安全生产检查的通知", "各单位：请于本月底前完成自查。"],
                ["联系人身份证号" + ID],
            ],
            template=[B.MARK5],
        )
    )


def _pptx() -> bytes:
    return B.pptx_bytes(
        [("工作部署", [B.MARK, "一、总体要求"]), ("联系人", ["见备注"])],
        notes={1: "联系人身份证号" + ID},
    )


def _odt() -> bytes:
    return B.odt_bytes(
        ["关于报送材料的通知", "请各单位按时报送。"],
        header=B.MARK,
        table=[["姓名", "身份证号"], ["王建国", ID]],
    )


def _rtf() -> bytes:
    return B.rtf_bytes([B.MARK, "关于报送材料的通知", "联系人身份证号" + ID])


def _eml() -> bytes:
    d = D.new_document()
    d.add_paragraph(B.MARK)
    d.add_paragraph("关于报送材料的通知")
    return B.eml_bytes(
        "各位同事：\n联系人身份证号" + ID + "，请于周五前报送。",
        attachments=[("通知.docx", D.to_bytes(d), "application/octet-stream")],
    )


def _mht() -> bytes:
    return B.mht_bytes(
        "<html><head><title>通知</title></head><body><p>"
        + B.MARK
        + "</p><div><p>联系人身份证号"
        + ID
        + "</p></div></body></html>"
    )


def _zip() -> bytes:
    d = D.new_document()
    d.add_paragraph(B.MARK)
    d.add_paragraph("关于报送材料的通知")
    pdf = P.text_pdf([["花名册", "王建国 身份证号 " + ID]])
    return B.zip_bytes(
        [("附件1-通知.docx", D.to_bytes(d)), ("附件2-花名册.pdf", pdf)], gbk_names=True
    )


def _png() -> bytes:
    return IB.to_bytes(IB.render_page())


def _jpg() -> bytes:
    return IB.to_bytes(IB.render_page().convert("RGB"), "JPEG", quality=85)


# name, builder, (marking rule, marking location), (ID location): location = dict subset
CASES: list[tuple[str, Callable[[], bytes], dict, dict]] = [
    (
        "通知.ofd",
        _ofd,
        {"part": "header", "page": 1, "field": "模板100"},
        {"part": "body", "page": 2},
    ),
    (
        "部署.pptx",
        _pptx,
        {"part": "slide", "page": 1, "paragraph": 2},
        {"part": "notes", "page": 2},
    ),
    ("通知.odt", _odt, {"part": "header", "paragraph": 1}, {"part": "table", "row": 2, "col": 2}),
    ("通知.rtf", _rtf, {"part": "body", "paragraph": 1}, {"part": "body", "paragraph": 3}),
    (
        "来信.eml",
        _eml,
        {"part": "attachment", "field": "通知.docx"},
        {"part": "body", "paragraph": 2},
    ),
    ("页面.mht", _mht, {"part": "body", "paragraph": 1}, {"part": "body", "paragraph": 2}),
    (
        "附件.zip",
        _zip,
        {"part": "attachment", "field": "附件1-通知.docx"},
        {"part": "attachment", "page": 1, "field": "附件2-花名册.pdf"},
    ),
    ("扫描件.png", _png, {"part": "ocr", "page": 1, "paragraph": 1}, {"part": "ocr", "page": 1}),
    ("照片.jpg", _jpg, {"part": "ocr", "page": 1, "paragraph": 1}, {"part": "ocr", "page": 1}),
]


def _subset(location: dict, want: dict) -> bool:
    return all(location.get(k) == v for k, v in want.items())


@pytest.mark.parametrize(("name", "build", "mark_at", "id_at"), CASES, ids=[c[0] for c in CASES])
def test_marking_and_id_found_where_they_are(tmp_path: Path, name, build, mark_at, id_at) -> None:
    if name.endswith((".png", ".jpg")):
        IB.require_font()
        if not ocr.available():
            pytest.skip("OCR extra not installed (pip install 'secreview[ocr]')")
    path = tmp_path / name
    path.write_bytes(build())
    report = scan_file(path, Config(use_classifier=False))
    assert report.verdict == "block", report.to_dict()
    found = {f.rule: f for f in report.findings}
    marks = [f for f in report.findings if f.rule == "marking.secret_level"]
    ids = [f for f in report.findings if f.rule == "pii.resident_id"]
    assert marks and ids, sorted(found)
    assert any(_subset(f.location.to_dict(), mark_at) for f in marks), [f.location for f in marks]
    assert any(_subset(f.location.to_dict(), id_at) and f.text == ID for f in ids), [
        (f.location, f.text) for f in ids
    ]
    if name.endswith((".png", ".jpg")):
        assert all("OCR 识别，请核对原图" in f.reason for f in marks + ids)


def test_rtf_without_libreoffice_is_read_by_striprtf(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)
    path = tmp_path / "通知.rtf"
    path.write_bytes(_rtf())
    report = scan_file(path, Config(use_classifier=False))
    assert report.error is None
    rules = {(f.rule, f.location.paragraph) for f in report.findings}
    assert ("marking.secret_level", 1) in rules and ("pii.resident_id", 3) in rules


def test_each_format_is_detected_whatever_its_name(tmp_path: Path) -> None:
    from secreview.extract.detect import detect_format

    expected = {
        "ofd": _ofd,
        "pptx": _pptx,
        "odt": _odt,
        "rtf": _rtf,
        "eml": _eml,
        "mht": _mht,
        "zip": _zip,
    }
    for fmt, build in expected.items():
        assert detect_format(build(), "文件.txt") == fmt
    assert detect_format(IB.to_bytes(_blank()), "x.doc") == "png"
    assert detect_format(IB.to_bytes(_blank(), "JPEG"), "x.pdf") == "jpg"
    assert detect_format(IB.to_bytes(_blank(), "TIFF"), "x") == "tiff"
    assert detect_format(IB.to_bytes(_blank(), "BMP"), "x") == "bmp"


def _blank():
    from PIL import Image

    return Image.new("RGB", (32, 32), "white")


def test_folder_scan_takes_every_new_format(tmp_path: Path) -> None:
    from secreview.pipeline import expand_paths

    for name, build in (
        ("a.ofd", _ofd),
        ("b.pptx", _pptx),
        ("c.odt", _odt),
        ("d.eml", _eml),
        ("e.zip", _zip),
    ):
        (tmp_path / name).write_bytes(build())
    (tmp_path / "f.png").write_bytes(IB.to_bytes(_blank()))
    (tmp_path / "g.mht").write_bytes(_mht())
    got = {p.name for p in expand_paths([tmp_path], recursive=True)}
    assert got == {"a.ofd", "b.pptx", "c.odt", "d.eml", "e.zip", "f.png", "g.mht"}

"""Plain PDF pages read by pdfium (extract/pdf_fast.py) give what pdf_layout gives (issue 17).

Every fixture is extracted twice — as shipped (pdfium for plain pages) and with
``geometry_only()`` (pdf_layout on every page, the pdfminer reader pdfplumber is built on) —
and the segments (part, page, paragraph, field, box, normalised text), the residue notes and
the facts must be identical; full scans must give the same report. The routing itself is
tested too: plain pages go to pdfium, pages with boxes, pictures, invisible text, spacing or
kerning do not.
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdfpage import PDFPage
from reportlab.pdfgen import canvas

from secreview.config import Config, Limits
from secreview.extract import pdf
from secreview.extract.pdf_fast import PdfiumReader, spacing_free
from secreview.model import Document
from secreview.normalize import normalize
from secreview.pipeline import default_checks, scan_bytes
from tests.helpers import pdf_builder as pb

SEED = Path(__file__).resolve().parents[2] / "shared" / "data" / "seed"
SEED = SEED if SEED.exists() else Path("/work/shared/data/seed")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _mixed_fonts_pdf(char_space: float = 0.0) -> bytes:
    """Title 22 pt, body 12 pt, a scaled line, Helvetica, and a horizontally scaled line."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=pb.A4)
    c.setFont(pb.FONT, 22)
    c.drawCentredString(297, 780, "关于做好年度工作的通知")
    c.setFont(pb.FONT, 12)
    c.drawString(72, 740, "各单位：现将有关事项通知如下。联系人 Wang Wu，电话 13800138000")
    c.saveState()
    c.translate(72, 600)
    c.scale(1.5, 1.5)
    c.setFont(pb.FONT, 10)
    c.drawString(0, 0, "放大的文字 身份证 110105194912310021 (http://www.example.gov.cn)")
    c.restoreState()
    c.setFont("Helvetica", 11)
    c.drawString(72, 560, "English line in Helvetica: attention, little, office 12345")
    t = c.beginText(72, 520)
    t.setFont(pb.FONT, 12)
    t.setCharSpace(char_space)
    t.textLine("字间距的一行文字 ID 110105194912310021")
    t.setCharSpace(0)
    t.setHorizScale(80)
    t.textLine("水平缩放的一行文字")
    c.drawText(t)
    c.showPage()
    c.save()
    return buf.getvalue()


def _seed_pdf() -> bytes:
    files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if not files:
        pytest.skip(f"seed data not available at {SEED}")
    paras = [p.strip() for p in files[0].read_text(encoding="utf-8").splitlines() if p.strip()]
    return pb.text_pdf([paras[i : i + 8] for i in range(0, len(paras), 8)])


FIXTURES = {
    "text": lambda: pb.text_pdf(
        [["第一段，联系电话010-12345678，身份证号110105194912310021。" * 3, "第二段。"], ["第二页"]]
    ),
    "marking": pb.marking_pdf,
    "redaction": pb.redaction_pdf,
    "invisible": pb.invisible_pdf,
    "false_alarm": pb.false_alarm_pdf,
    "annotated": pb.annotated_pdf,
    "metadata": lambda: pb.metadata_pdf("张三"),
    "head_lines": lambda: pb.head_lines_pdf(["国务院办公厅文件", "国办发〔2024〕1号"]),
    "spaced_glyphs": lambda: pb.spaced_glyphs_pdf("身份证号110105194912310021"),
    "hidden_layer": lambda: pb.hidden_layer_pdf("Visible 110105194912310021", "Hidden"),
    "mixed_fonts": _mixed_fonts_pdf,
    "char_spacing": lambda: _mixed_fonts_pdf(char_space=4.0),
    "incremental": lambda: pb.incremental_update(
        pb.text_pdf([["旧版本：身份证号110105194912310021。"]]), pb.text_pdf([["新版本。"]])
    ),
}


def _segments(doc: Document) -> list[tuple[object, ...]]:
    return [
        (
            s.location.part,
            s.location.page,
            s.location.paragraph,
            s.location.field,
            s.location.bbox,
            normalize(s.text).text,
        )
        for s in doc.segments
    ]


def _both(data: bytes) -> tuple[Document, Document]:
    fast = pdf.extract(data, "x.pdf", Limits())
    with pdf.geometry_only():
        layout = pdf.extract(data, "x.pdf", Limits())
    return fast, layout


def _assert_same(data: bytes) -> None:
    fast, layout = _both(data)
    assert _segments(fast) == _segments(layout)
    assert [(n.kind, n.message, n.count, n.severity, n.sample) for n in fast.residue] == [
        (n.kind, n.message, n.count, n.severity, n.sample) for n in layout.residue
    ]
    assert fast.facts == layout.facts and fast.metadata == layout.metadata


def _routed(data: bytes) -> list[bool]:
    """For each page: read by pdfium (True) or left to pdf_layout (False)."""
    out = []
    with pdfplumber.PDF(io.BytesIO(data)) as doc:
        pages = list(PDFPage.create_pages(doc.doc))
        reader = PdfiumReader(data, len(pages))
        try:
            for i, page in enumerate(pages):
                content = b"".join(pdf._stream_bytes(c) for c in page.contents or [])
                got = reader.plain_page(i, i + 1, page.mediabox, page.rotate, content)
                out.append(got is not None)
        finally:
            reader.close()
    return out


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_same_segments_notes_and_facts_as_pdf_layout(name: str) -> None:
    _assert_same(FIXTURES[name]())


def test_seed_document_same_segments() -> None:
    data = _seed_pdf()
    assert all(_routed(data))  # plain text pages: all read by pdfium
    _assert_same(data)


def test_examples_same_segments() -> None:
    found = sorted(EXAMPLES.rglob("*.pdf"))
    assert found
    for path in found:
        _assert_same(path.read_bytes())


def test_plain_pages_go_to_pdfium_the_others_to_pdf_layout() -> None:
    assert _routed(FIXTURES["text"]()) == [True, True]
    assert _routed(pb.marking_pdf()) == [True]
    assert _routed(_mixed_fonts_pdf()) == [True]
    assert _routed(pb.spaced_glyphs_pdf("身份证号110105194912310021")) == [True]
    assert _routed(pb.redaction_pdf()) == [False]  # a dark box drawn over text
    assert _routed(pb.invisible_pdf()) == [False]  # white and render-mode-3 text
    assert _routed(pb.false_alarm_pdf()) == [False]  # filled bands, pictures
    assert _routed(_mixed_fonts_pdf(char_space=4.0)) == [False]  # character spacing


def test_same_report_from_a_full_scan() -> None:
    config = Config()
    checks = default_checks(config)
    for data in (FIXTURES["text"](), pb.marking_pdf(), FIXTURES["mixed_fonts"](), _seed_pdf()):
        fast = scan_bytes(data, "x.pdf", config, checks).to_dict()
        with pdf.geometry_only():
            layout = scan_bytes(data, "x.pdf", config, checks).to_dict()
        assert fast == layout


def test_spacing_free() -> None:
    assert spacing_free(b"BT /F1 12 Tf 72 700 Td (abc) Tj ET")
    assert spacing_free(b"BT 0 Tc 0 Tw [(ab)(cd)] TJ ET")
    assert spacing_free(b'BT (3 Tc [1 2] TJ \\) ") Tj ET')  # operators inside a string
    assert not spacing_free(b"BT 2 Tc (abc) Tj ET")
    assert not spacing_free(b"BT .5 Tw (a b) Tj ET")
    assert not spacing_free(b"BT [(a) -250 (b)] TJ ET")
    assert not spacing_free(b"BT [<0041> 120 <0042>] TJ ET")
    assert not spacing_free(b'BT 1 2 (ab) " ET')

"""Build test PDFs with reportlab (CID font STSong-Light for Chinese). Text here is our own."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

WIDTH, HEIGHT = A4
LEFT = 72.0
TOP = HEIGHT - 72.0

Draw = Callable[[canvas.Canvas], None]


def png_bytes(width: int, height: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A one-colour PNG written with zlib/struct (no imaging library needed to make it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgba) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def image(rgba: tuple[int, int, int, int] = (40, 60, 160, 255)) -> ImageReader:
    return ImageReader(io.BytesIO(png_bytes(8, 8, rgba)))


def build(pages: Sequence[Draw], **canvas_kw: Any) -> bytes:
    """One page per drawing function; the font is set to 12 pt STSong before each."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, **canvas_kw)
    for draw in pages:
        c.setFont(FONT, 12)
        draw(c)
        c.showPage()
    c.save()
    return buf.getvalue()


def write_paragraphs(
    c: canvas.Canvas, paragraphs: Sequence[str], *, y: float = TOP, size: float = 12
) -> float:
    """Official-document style: first line indented two characters, wrapped at the margin."""
    per_line = int((WIDTH - 2 * LEFT) // size)
    c.setFont(FONT, size)
    for para in paragraphs:
        text = "\u3000\u3000" + para
        first = True
        while text:
            chunk, text = text[:per_line], text[per_line:]
            if first:  # indent by position, not by the full-width spaces
                c.drawString(LEFT + 2 * size, y, chunk[2:])
                first = False
            else:
                c.drawString(LEFT, y, chunk)
            y -= size * 1.8
    return y


def text_pdf(pages: Sequence[Sequence[str]], **canvas_kw: Any) -> bytes:
    """Pages of paragraphs."""
    return build([lambda c, p=p: write_paragraphs(c, p) for p in pages], **canvas_kw)


def marking_pdf(marking: str = "秘密★1年") -> bytes:
    def page1(c: canvas.Canvas) -> None:
        c.setFont(FONT, 14)
        c.drawString(LEFT, TOP, marking)
        c.setFont(FONT, 18)
        c.drawCentredString(WIDTH / 2, TOP - 50, "关于做好春季防汛准备工作的通知")
        write_paragraphs(c, ["各乡镇人民政府，区直各部门：现将有关事项通知如下。"], y=TOP - 100)

    return build([page1])


def redaction_pdf() -> bytes:
    """A name and an ID number drawn, then black boxes painted over them (failed redaction)."""

    def page(c: canvas.Canvas) -> None:
        write_paragraphs(c, ["经调查核实，当事人情况如下，现予以公告。"])
        y = TOP - 60
        c.drawString(LEFT, y, "当事人：")
        c.drawString(LEFT + 48, y, "王建国")
        c.drawString(LEFT, y - 24, "身份证号码：")
        c.drawString(LEFT + 72, y - 24, "11010519491231002X")
        c.setFillColorRGB(0, 0, 0)
        c.rect(LEFT + 46, y - 4, 40, 17, fill=1, stroke=0)
        c.rect(LEFT + 70, y - 28, 112, 17, fill=1, stroke=0)

    return build([page])


def invisible_pdf() -> bytes:
    """White text on the white page and render-mode-3 text, beside normal text."""

    def page(c: canvas.Canvas) -> None:
        write_paragraphs(c, ["本通知自发布之日起施行。"])
        c.setFillColorRGB(1, 1, 1)
        c.drawString(LEFT, TOP - 60, "内部联系人李明手机13812345678")
        c.setFillColorRGB(0, 0, 0)
        t = c.beginText(LEFT, TOP - 90)
        t.setFont(FONT, 12)
        t.setTextRenderMode(3)
        t.textLine("此段文字不显示仅供内部参考")
        c.drawText(t)

    return build([page])


def image_only_pdf() -> bytes:
    """Page 1 has text, page 2 is only an image (a scanned page)."""

    def page1(c: canvas.Canvas) -> None:
        write_paragraphs(c, ["附件为扫描件，请见下页。"])

    def page2(c: canvas.Canvas) -> None:
        c.drawImage(image((200, 200, 200, 255)), 36, 36, WIDTH - 72, HEIGHT - 72)

    return build([page1, page2])


def false_alarm_pdf() -> bytes:
    """Things that look like boxes but hide nothing."""

    def page(c: canvas.Canvas) -> None:
        # light grey header band with dark text on it
        c.setFillColorRGB(0.85, 0.85, 0.85)
        c.rect(0, HEIGHT - 60, WIDTH, 40, fill=1, stroke=0)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(LEFT, HEIGHT - 45, "某某区人民政府办公室文件")
        # a table: thin borders and text in cells
        y = TOP - 40
        c.setLineWidth(0.8)
        for i in range(4):
            c.line(LEFT, y - 20 * i, LEFT + 300, y - 20 * i)
        for x in (LEFT, LEFT + 150, LEFT + 300):
            c.line(x, y, x, y - 60)
        c.rect(LEFT, y - 61, 300, 1.5, fill=1, stroke=0)  # a thick rule, still thin
        c.drawString(LEFT + 5, y - 15, "项目名称")
        c.drawString(LEFT + 155, y - 15, "完成情况")
        c.drawString(LEFT + 5, y - 35, "道路维修")
        c.drawString(LEFT + 155, y - 35, "已完成")
        # a logo image beside the text, not over it
        c.drawImage(image(), LEFT, TOP - 160, 40, 40)
        c.drawString(LEFT + 50, TOP - 140, "区政府门户网站")
        # yellow highlight drawn before the text
        c.setFillColorRGB(1, 1, 0)
        c.rect(LEFT - 2, TOP - 204, 200, 18, fill=1, stroke=0)
        c.setFillColorRGB(0, 0, 0)
        c.drawString(LEFT, TOP - 200, "请各单位于三月底前报送材料")
        # white text on a dark band: visible, not residue
        c.setFillColorRGB(0.1, 0.1, 0.3)
        c.rect(LEFT - 2, TOP - 244, 260, 20, fill=1, stroke=0)
        c.setFillColorRGB(1, 1, 1)
        c.drawString(LEFT, TOP - 238, "联系电话：区政务服务热线")
        # a red seal with transparency stamped over the date
        c.setFillColorRGB(0, 0, 0)
        c.drawString(LEFT + 250, TOP - 300, "二〇二四年三月一日")
        c.drawImage(image((220, 30, 30, 90)), LEFT + 240, TOP - 330, 80, 80, mask="auto")

    return build([page])


def annotated_pdf() -> bytes:
    def page(c: canvas.Canvas) -> None:
        write_paragraphs(c, ["请填写以下表格。"])
        c.textAnnotation("此处数据待核实，勿外传", Rect=(LEFT, TOP - 80, LEFT + 20, TOP - 60))
        c.acroForm.textfield(
            name="phone", value="13912345678", x=LEFT, y=TOP - 150, width=150, height=20
        )

    return build([page])


def metadata_pdf(author: str, title: str = "年度工作总结") -> bytes:
    def page(c: canvas.Canvas) -> None:
        c.setAuthor(author)
        c.setTitle(title)
        c.setSubject("工作总结")
        c.setKeywords("总结,年度")
        write_paragraphs(c, ["今年以来，我区各项工作稳步推进。"])

    return build([page])


def with_attachment(pdf: bytes, name: str, payload: bytes) -> bytes:
    """``pdf`` with ``payload`` embedded as a file attachment (needs pypdf)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, payload)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def content_bomb_pdf(operators: int = 3_000_000) -> bytes:
    """A valid one-page PDF whose compressed content stream expands to millions of operators."""
    content = zlib.compress(b"q Q\n" * operators, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def encrypt_with_pypdf(pdf: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    """``pdf`` encrypted with AES-128 by pypdf (an empty user password opens without asking)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def head_lines_pdf(lines: Sequence[str], body: str = "现将有关事项通知如下。") -> bytes:
    """Page 1 opens with ``lines`` drawn one under the other (a mark alone, or broken up)."""

    def page(c: canvas.Canvas) -> None:
        y = TOP
        for line in lines:
            c.setFont(FONT, 14)
            c.drawString(LEFT, y, line)
            y -= 22
        c.setFont(FONT, 18)
        c.drawCentredString(WIDTH / 2, y - 20, "关于做好春季防汛准备工作的通知")
        write_paragraphs(c, [body], y=y - 60)

    return build([page])


def spaced_glyphs_pdf(text: str, gap: float = 9.0) -> bytes:
    """``text`` drawn one glyph at a time at explicit positions, ``gap`` pt apart."""

    def page(c: canvas.Canvas) -> None:
        x = LEFT
        c.setFont(FONT, 14)
        for ch in text:
            c.drawString(x, TOP, ch)
            x += c.stringWidth(ch, FONT, 14) + gap
        write_paragraphs(c, ["各有关单位：请做好相关工作。"], y=TOP - 60)

    return build([page])


def incremental_update(pdf: bytes, new_page_pdf: bytes) -> bytes:
    """``pdf`` with page 1 replaced by the page of ``new_page_pdf`` in an INCREMENTAL update
    (pypdf appends the new objects after the old %%EOF; the old page stays in the file)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    newer = PdfReader(io.BytesIO(new_page_pdf)).pages[0]
    page = writer.pages[0]
    page.replace_contents(newer.get_contents())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_javascript(pdf: bytes, code: str = 'app.alert("hello");') -> bytes:
    """``pdf`` with a document-level JavaScript (/Names /JavaScript: runs when the file opens)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(action)])}
    )
    names = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})
    writer._root_object[NameObject("/Names")] = writer._add_object(names)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_pdf(objs: Sequence[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def hidden_layer_pdf(visible: str, hidden: str, *, base_off: bool = False) -> bytes:
    """A page with ``visible`` text and ``hidden`` text in an optional-content group (layer)
    that is OFF in the default view (Helvetica: ASCII text only)."""
    content = (
        b"BT /F1 12 Tf 72 760 Td (" + visible.encode("latin-1") + b") Tj ET\n"
        b"/OC /MC0 BDC BT /F1 12 Tf 72 730 Td (" + hidden.encode("latin-1") + b") Tj ET EMC\n"
    )
    default = b"<< /BaseState /OFF /ON [] >>" if base_off else b"<< /OFF [6 0 R] >>"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [6 0 R] /D " + default + b" >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /Properties << /MC0 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /OCG /Name (Draft notes) >>",
    ]
    return _raw_pdf(objs)

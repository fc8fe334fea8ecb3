"""Build PPTX (python-pptx), ODT/ODS/ODP (odfpy), RTF, EML/MHT (stdlib email) and ZIP
bundles for tests. What a library cannot write (PPTX comments, hidden slides) is added as
the package XML PowerPoint itself writes. All text is our own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

MARK = "秘密★1年"
MARK5 = "机密★5年"
RESIDENT_ID = "370402198506154213"  # synthetic, checksum-valid
RESIDENT_ID_X = "11010519491231002X"  # synthetic, checksum-valid, X check digit


# --- PPTX ---------------------------------------------------------------------------------
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def pptx_bytes(
    slides: Sequence[tuple[str, Sequence[str]]],
    *,
    notes: dict[int, str] | None = None,
    hidden: Sequence[int] = (),
    table: tuple[int, Sequence[Sequence[str]]] | None = None,
    author: str = "",
    comments: dict[int, tuple[str, str]] | None = None,
) -> bytes:
    """Slides (title, body lines); ``notes``/``hidden``/``comments`` keyed by 0-based slide;
    ``table`` = (slide, rows); ``comments`` = {slide: (author, text)}."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    layout = prs.slide_layouts[1]
    for n, (title, lines) in enumerate(slides):
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = lines[0] if lines else ""
        for line in lines[1:]:
            body.add_paragraph().text = line
        if notes and n in notes:
            slide.notes_slide.notes_text_frame.text = notes[n]
        if n in hidden:
            slide._element.set("show", "0")
        if table is not None and table[0] == n:
            rows = table[1]
            shape = slide.shapes.add_table(
                len(rows), len(rows[0]), Inches(0.5), Inches(4.5), Inches(9), Inches(1.5)
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    shape.table.cell(r, c).text = value
    if author:
        prs.core_properties.author = author
        prs.core_properties.last_modified_by = author
    buf = io.BytesIO()
    prs.save(buf)
    data = buf.getvalue()
    return _with_comments(data, comments) if comments else data


def _with_comments(data: bytes, comments: dict[int, tuple[str, str]]) -> bytes:
    """Legacy PowerPoint comments: ppt/commentAuthors.xml + ppt/comments/commentN.xml."""
    authors = sorted({a for a, _ in comments.values()})
    ids = {a: i for i, a in enumerate(authors)}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                extra = (
                    '<Override PartName="/ppt/commentAuthors.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.presentationml.commentAuthors+xml"/>'
                )
                for n in comments:
                    extra += (
                        f'<Override PartName="/ppt/comments/comment{n + 1}.xml" ContentType='
                        '"application/vnd.openxmlformats-officedocument.presentationml.comments+xml"/>'
                    )
                content = content.replace(b"</Types>", extra.encode() + b"</Types>")
            elif item.filename == "ppt/_rels/presentation.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdCa" Type="{REL}commentAuthors" '
                    'Target="commentAuthors.xml"/></Relationships>'.encode(),
                )
            for n in comments:
                if item.filename == f"ppt/slides/_rels/slide{n + 1}.xml.rels":
                    content = content.replace(
                        b"</Relationships>",
                        f'<Relationship Id="rIdCm" Type="{REL}comments" '
                        f'Target="../comments/comment{n + 1}.xml"/></Relationships>'.encode(),
                    )
            zf.writestr(item, content)
        zf.writestr(
            "ppt/commentAuthors.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><p:cmAuthorLst xmlns:p="{P_NS}">'
            + "".join(
                f'<p:cmAuthor id="{i}" name="{a}" initials="{a[:1]}" lastIdx="1" clrIdx="{i}"/>'
                for a, i in ids.items()
            )
            + "</p:cmAuthorLst>",
        )
        for n, (author, text) in comments.items():
            zf.writestr(
                f"ppt/comments/comment{n + 1}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><p:cmLst xmlns:p="{P_NS}">'
                f'<p:cm authorId="{ids[author]}" dt="2024-04-12T09:00:00.000" idx="1">'
                f'<p:pos x="10" y="10"/><p:text>{text}</p:text></p:cm></p:cmLst>',
            )
    return out.getvalue()


# --- ODF (odfpy) --------------------------------------------------------------------------
def odt_bytes(
    paragraphs: Sequence[str],
    *,
    table: Sequence[Sequence[str]] = (),
    comment: tuple[str, str] | None = None,
    deleted: str = "",
    hidden: str = "",
    creator: str = "",
    header: str = "",
) -> bytes:
    """An ODT: paragraphs, an optional table, a comment (author, text) on the first
    paragraph, a tracked deletion, a hidden paragraph, meta creator and a page header."""
    from odf import dc, meta, office, style, text
    from odf import table as otable
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    if creator:
        doc.meta.addElement(meta.InitialCreator(text=creator))
        doc.meta.addElement(dc.Creator(text=creator))
    if header:
        layout = style.PageLayout(name="pm1")
        doc.automaticstyles.addElement(layout)
        master = style.MasterPage(name="Standard", pagelayoutname=layout)
        h = style.Header()
        h.addElement(text.P(text=header))
        master.addElement(h)
        doc.masterstyles.addElement(master)
    if deleted:
        tracked = text.TrackedChanges()
        from odf.namespaces import TEXTNS, XMLNS

        region = text.ChangedRegion(qattributes={(XMLNS, "id"): "ct1", (TEXTNS, "id"): "ct1"})
        deletion = text.Deletion()
        info = office.ChangeInfo()
        info.addElement(dc.Creator(text=creator or "张三"))
        info.addElement(dc.Date(text="2024-04-12T09:00:00"))
        deletion.addElement(info)
        deletion.addElement(text.P(text=deleted))
        region.addElement(deletion)
        tracked.addElement(region)
        doc.text.addElement(tracked)
    for n, para in enumerate(paragraphs):
        p = text.P(text=para)
        if n == 0 and comment is not None:
            ann = office.Annotation()
            ann.addElement(dc.Creator(text=comment[0]))
            ann.addElement(dc.Date(text="2024-04-12T09:00:00"))
            ann.addElement(text.P(text=comment[1]))
            p.addElement(ann)
        if n == 0 and deleted:
            p.addElement(text.Change(changeid="ct1"))
        doc.text.addElement(p)
    if hidden:
        p = text.P()
        p.addElement(text.HiddenParagraph(condition="ooow:1==1", ishidden="true"))
        p.addText(hidden)
        doc.text.addElement(p)
    if table:
        t = otable.Table(name="表1")
        t.addElement(otable.TableColumn(numbercolumnsrepeated=len(table[0])))
        for row in table:
            tr = otable.TableRow()
            for value in row:
                tc = otable.TableCell()
                tc.addElement(text.P(text=value))
                tr.addElement(tc)
            t.addElement(tr)
        doc.text.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def ods_bytes(
    sheets: dict[str, Sequence[Sequence[str]]],
    *,
    hidden_sheets: Sequence[str] = (),
    hidden_rows: dict[str, Sequence[int]] | None = None,
) -> bytes:
    """An ODS; ``hidden_sheets`` get a table:display="false" style, ``hidden_rows`` (1-based
    per sheet) table:visibility="collapse"."""
    from odf import style, text
    from odf import table as otable
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    hide = style.Style(name="taHidden", family="table")
    hide.addElement(style.TableProperties(display="false"))
    doc.automaticstyles.addElement(hide)
    for name, rows in sheets.items():
        t = otable.Table(name=name)
        if name in hidden_sheets:
            t = otable.Table(name=name, stylename=hide)
        for r, row in enumerate(rows, start=1):
            collapsed = hidden_rows is not None and r in hidden_rows.get(name, ())
            tr = otable.TableRow(visibility="collapse") if collapsed else otable.TableRow()
            for value in row:
                tc = otable.TableCell(valuetype="string")
                tc.addElement(text.P(text=value))
                tr.addElement(tc)
            t.addElement(tr)
        doc.spreadsheet.addElement(t)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def odp_bytes(
    slides: Sequence[Sequence[str]],
    notes: dict[int, str] | None = None,
    *,
    hidden: Sequence[int] = (),
    alt: dict[int, str] | None = None,
) -> bytes:
    """Slides of text lines; ``notes``, ``hidden`` (a drawing-page style with
    presentation:visibility="hidden", as Impress writes for 隐藏幻灯片) and ``alt`` (the
    frame's svg:title) keyed by 0-based slide."""
    from odf import draw, presentation, style, svg, text
    from odf.opendocument import OpenDocumentPresentation

    doc = OpenDocumentPresentation()
    layout = style.PageLayout(name="pl1")
    doc.automaticstyles.addElement(layout)
    master = style.MasterPage(name="m1", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    hide = style.Style(name="dp1", family="drawing-page")
    hide.addElement(style.DrawingPageProperties(visibility="hidden"))
    doc.automaticstyles.addElement(hide)
    for n, lines in enumerate(slides):
        page = draw.Page(name=f"page{n + 1}", masterpagename=master)
        if n in hidden:
            page.setAttribute("stylename", hide)
        frame = draw.Frame(width="20cm", height="10cm", x="1cm", y="1cm")
        if alt and n in alt:
            frame.addElement(svg.Title(text=alt[n]))
        box = draw.TextBox()
        for line in lines:
            box.addElement(text.P(text=line))
        frame.addElement(box)
        page.addElement(frame)
        if notes and n in notes:
            nb = presentation.Notes()
            nf = draw.Frame(width="20cm", height="10cm", x="1cm", y="12cm")
            nbox = draw.TextBox()
            nbox.addElement(text.P(text=notes[n]))
            nf.addElement(nbox)
            nb.addElement(nf)
            page.addElement(nb)
        doc.presentation.addElement(page)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


# --- RTF ----------------------------------------------------------------------------------
def rtf_escape(text: str) -> str:
    """Non-ASCII as GBK \\'hh pairs (what WPS and Word write under \\ansicpg936)."""
    out: list[str] = []
    for ch in text:
        if ord(ch) < 128:
            out.append("\\" + ch if ch in "\\{}" else ch)
        else:
            out.append("".join(f"\\'{b:02x}" for b in ch.encode("gbk")))
    return "".join(out)


def rtf_bytes(
    paragraphs: Sequence[str],
    *,
    author: str = "",
    comment: tuple[str, str] | None = None,
    unicode_escapes: bool = False,
) -> bytes:
    """An RTF document as Word writes it: \\ansicpg936, a font table, an info group,
    paragraphs (GBK escapes, or \\uN escapes), optionally a comment (\\annotation)."""

    def enc(text: str) -> str:
        if unicode_escapes:
            return "".join(
                ch if ord(ch) < 128 else f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?"
                for ch in text
            )
        return rtf_escape(text)

    info = (
        "{\\info{\\title "
        + enc("通知")
        + "}"
        + ("{\\author " + enc(author) + "}" if author else "")
        + "}"
    )
    body = []
    for n, para in enumerate(paragraphs):
        ann = ""
        if n == 0 and comment is not None:
            ann = (
                "{\\*\\atnid " + enc(comment[0]) + "}{\\*\\atnauthor " + enc(comment[0]) + "}"
                "\\chatn{\\*\\annotation\\pard\\plain " + enc(comment[1]) + "}"
            )
        body.append("\\pard\\plain\\f0\\fs32 " + enc(para) + ann + "\\par")
    rtf = (
        "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 "
        + rtf_escape("宋体")
        + ";}}"
        + info
        + "\n".join(body)
        + "}"
    )
    return rtf.encode("ascii")


# --- EML / MHT ----------------------------------------------------------------------------
def eml_bytes(
    body: str,
    *,
    sender: str = "王建国 <wangjianguo@example.cn>",
    to: str = "李明 <liming@example.cn>",
    subject: str = "关于报送材料的通知",
    attachments: Sequence[tuple[str, bytes, str]] = (),
    html: str = "",
) -> bytes:
    """An e-mail with a text (and optional HTML) body and attachments (name, bytes, mime)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Fri, 12 Apr 2024 09:00:00 +0800"
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        if mime == "message/rfc822":
            import email
            import email.policy

            msg.add_attachment(
                email.message_from_bytes(data, policy=email.policy.default), filename=name
            )
            continue
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def mht_bytes(
    html: str, *, charset: str = "gb2312", images: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """A web page saved as one file (MHTML): multipart/related, the page quoted-printable in
    ``charset``, then its images base64, as browsers and Word write it."""
    from email import charset as ec
    from email.mime.image import MIMEImage

    root = MIMEMultipart("related", type="text/html")
    root["From"] = "<Saved by Blink>"
    root["Subject"] = "政府信息公开"
    root["Snapshot-Content-Location"] = "http://www.example.cn/xxgk/index.html"
    cs = ec.Charset(charset)
    cs.body_encoding = ec.QP
    page = MIMEText(html, "html", cs)  # type: ignore[arg-type]
    page["Content-Location"] = "http://www.example.cn/xxgk/index.html"
    root.attach(page)
    for name, data in images:
        img = MIMEImage(data)
        img["Content-Location"] = f"http://www.example.cn/xxgk/{name}"
        root.attach(img)
    return root.as_bytes()


# --- ZIP ----------------------------------------------------------------------------------
def zip_bytes(
    members: Sequence[tuple[str, bytes]], *, gbk_names: bool = False, encrypt: str = ""
) -> bytes:
    """A ZIP of (name, bytes). ``gbk_names``: names stored in GBK without the UTF-8 flag,
    as Windows' built-in archiver and WinRAR write them. ``encrypt``: set the encryption
    flag on that member (traditional PKWARE encryption is what such archives declare)."""
    buf = io.BytesIO()
    placeholders: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, (name, data) in enumerate(members):
            stored = name
            if gbk_names and not name.isascii():
                raw = name.encode("gbk")
                stored = f"{k:02d}".ljust(len(raw), "_")
                placeholders[stored.encode()] = raw
            info = zipfile.ZipInfo(stored, date_time=(2024, 4, 12, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    out = buf.getvalue()
    for placeholder, raw in placeholders.items():
        out = out.replace(placeholder, raw)
    if encrypt:
        out = _set_encrypted_flag(out, encrypt.encode("utf-8"))
    return out


def _set_encrypted_flag(data: bytes, name: bytes) -> bytes:
    """Set general-purpose bit 0 on member ``name`` in its local and central headers."""
    buf = bytearray(data)
    for sig, flag_at, name_len_at, name_at in (
        (b"PK\x03\x04", 6, 26, 30),
        (b"PK\x01\x02", 8, 28, 46),
    ):
        pos = buf.find(sig)
        while pos != -1:
            n = int.from_bytes(buf[pos + name_len_at : pos + name_len_at + 2], "little")
            if bytes(buf[pos + name_at : pos + name_at + n]) == name:
                flags = int.from_bytes(buf[pos + flag_at : pos + flag_at + 2], "little") | 1
                buf[pos + flag_at : pos + flag_at + 2] = flags.to_bytes(2, "little")
            pos = buf.find(sig, pos + 4)
    return bytes(buf)

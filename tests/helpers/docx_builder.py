"""Build real DOCX files for tests: python-docx first, then lxml edits of the package XML.

python-docx writes the body, tables, headers, comments and core properties; what it cannot
write (tracked changes, hidden runs, text boxes, footnotes, custom properties, embedded
files) is added as WordprocessingML the way Word itself stores it, and the package re-zipped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

import docx
import lxml.etree
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
DATE = "2024-03-01T09:00:00Z"


def new_document() -> DocxDocument:
    return docx.Document()


def to_bytes(document: DocxDocument) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def append_xml_paragraph(document: DocxDocument, inner: str) -> None:
    """Append a ``w:p`` whose inline content is ``inner`` (WordprocessingML) to the body."""
    p = parse_xml(f"<w:p {NSDECL}>{inner}</w:p>")
    body = document.element.body
    body.insert(len(body) - 1, p)  # before the final w:sectPr


def run(text: str, rpr: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def ins(text: str, rid: int, author: str = "张三") -> str:
    return f'<w:ins w:id="{rid}" w:author="{author}" w:date="{DATE}">{run(text)}</w:ins>'


def dele(text: str, rid: int, author: str = "张三") -> str:
    return (
        f'<w:del w:id="{rid}" w:author="{author}" w:date="{DATE}"><w:r>'
        f'<w:delText xml:space="preserve">{_esc(text)}</w:delText></w:r></w:del>'
    )


def hidden_run(text: str) -> str:
    return run(text, "<w:vanish/>")


def textbox_run(text: str) -> str:
    """A floating text box as Word writes it: DrawingML in mc:Choice, VML in mc:Fallback,
    both holding the same w:txbxContent."""
    content = f"<w:txbxContent><w:p>{run(text)}</w:p></w:txbxContent>"
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:extent cx="1828800" cy="457200"/><wp:docPr id="1" name="文本框 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:wsp><wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp>'
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        f'<v:shape id="tb1" style="width:144pt;height:36pt"><v:textbox>{content}</v:textbox>'
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def picture_in_textbox(document: DocxDocument, image: bytes) -> None:
    """A floating text box (``textbox_run``) holding a picture, as when a scan is dropped
    into a text box: python-docx places the picture, which is then moved into the box."""
    host = document.add_paragraph()
    host.add_run().add_picture(io.BytesIO(image))
    append_xml_paragraph(document, textbox_run("见下图"))
    box = document.element.body[-2].find(f".//{{{W_NS}}}txbxContent")
    assert box is not None
    box.append(host._p)  # moved out of the body into the text box


def watermark(document: DocxDocument, text: str) -> None:
    """A text watermark in the first section's header, as 设计→水印 writes it: a VML WordArt
    shape (v:textpath) behind the text of every page."""
    shape = (
        f'<w:r {NSDECL}><w:pict><v:shape id="PowerPlusWaterMarkObject1" type="#_x0000_t136" '
        'style="position:absolute;width:400pt;height:100pt;rotation:315" fillcolor="silver" '
        f'stroked="f"><v:textpath style="font-family:宋体" string="{_esc(text)}"/></v:shape>'
        "</w:pict></w:r>"
    )
    document.sections[0].header.paragraphs[0]._p.append(parse_xml(shape))


def footnote_ref(note_id: int) -> str:
    return f'<w:r><w:footnoteReference w:id="{note_id}"/></w:r>'


def nested_table(document: DocxDocument, outer: list[list[str]], inner: list[list[str]]) -> None:
    """A table whose cell (1,2) holds another table."""
    table = document.add_table(rows=len(outer), cols=len(outer[0]))
    for r, row in enumerate(outer):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    host = table.cell(0, 1)
    nested = host.add_table(rows=len(inner), cols=len(inner[0]))
    for r, row in enumerate(inner):
        for c, text in enumerate(row):
            nested.cell(r, c).text = text


# --- package-level edits ------------------------------------------------------------------
def repackage(
    data: bytes,
    *,
    add: dict[str, bytes] | None = None,
    replace: dict[str, bytes] | None = None,
    overrides: Iterable[tuple[str, str]] = (),
    defaults: Iterable[tuple[str, str]] = (),
    rels: Iterable[tuple[str, str, str, str]] = (),
) -> bytes:
    """Re-zip ``data`` with parts added/replaced, content types and relationships added.

    ``rels`` are (source rels part, id, type suffix, target).
    """
    add = dict(add or {})
    replace = dict(replace or {})
    rels = list(rels)
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: src.read(name) for name in src.namelist()}
    parts.update(replace)
    parts.update(add)
    ct = lxml.etree.fromstring(parts["[Content_Types].xml"])
    ns = ct.nsmap[None]
    for ext, ctype in defaults:
        lxml.etree.SubElement(ct, f"{{{ns}}}Default", Extension=ext, ContentType=ctype)
    for name, ctype in overrides:
        lxml.etree.SubElement(ct, f"{{{ns}}}Override", PartName=name, ContentType=ctype)
    parts["[Content_Types].xml"] = lxml.etree.tostring(ct, xml_declaration=True, encoding="UTF-8")
    for rels_part, rid, kind, target in rels:
        root = lxml.etree.fromstring(parts[rels_part])
        rns = root.nsmap[None]
        typ = kind if kind.startswith("http") else REL + kind
        lxml.etree.SubElement(root, f"{{{rns}}}Relationship", Id=rid, Type=typ, Target=target)
        parts[rels_part] = lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def with_footnotes(data: bytes, notes: list[str]) -> bytes:
    """Add word/footnotes.xml (separators first, as Word writes them) with ``notes``."""
    body = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
    )
    for i, text in enumerate(notes, start=1):
        body += f'<w:footnote w:id="{i}"><w:p>{run(text)}</w:p></w:footnote>'
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {NSDECL}>{body}</w:footnotes>'
    return repackage(
        data,
        add={"word/footnotes.xml": xml.encode()},
        overrides=[
            (
                "/word/footnotes.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
            )
        ],
        rels=[("word/_rels/document.xml.rels", "rIdFn1", "footnotes", "footnotes.xml")],
    )


def with_custom_properties(data: bytes, props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{name}">'
        f"<vt:lpwstr>{_esc(value)}</vt:lpwstr></property>"
        for i, (name, value) in enumerate(props.items(), start=2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{items}</Properties>"
    )
    return repackage(
        data,
        add={"docProps/custom.xml": xml.encode()},
        overrides=[
            (
                "/docProps/custom.xml",
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            )
        ],
        rels=[("_rels/.rels", "rIdCustom", "custom-properties", "docProps/custom.xml")],
    )


def with_app_properties(data: bytes, company: str = "", manager: str = "") -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    root = lxml.etree.fromstring(src.read("docProps/app.xml"))
    ns = root.nsmap[None]
    for tag, value in (("Company", company), ("Manager", manager)):
        if value:
            lxml.etree.SubElement(root, f"{{{ns}}}{tag}").text = value
    return repackage(
        data,
        replace={
            "docProps/app.xml": lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        },
    )


def with_embedded(data: bytes, name: str, payload: bytes) -> bytes:
    """Embed ``payload`` as word/embeddings/``name`` (as Word stores an embedded package)."""
    ext = name.rsplit(".", 1)[-1]
    ctypes = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    return repackage(
        data,
        add={f"word/embeddings/{name}": payload},
        defaults=[(ext, ctypes.get(ext, "application/octet-stream"))],
        rels=[("word/_rels/document.xml.rels", "rIdEmb1", "package", f"embeddings/{name}")],
    )


def mark_comment_resolved(data: bytes) -> bytes:
    """Add word/commentsExtended.xml marking every comment's last paragraph as done."""
    src = zipfile.ZipFile(io.BytesIO(data))
    comments = lxml.etree.fromstring(src.read("word/comments.xml"))
    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"
    items = ""
    for n, comment in enumerate(comments.iter(f"{{{W_NS}}}comment"), start=1):
        para = comment.findall(f"{{{W_NS}}}p")[-1]
        pid = f"{n:08X}"
        para.set(f"{{{w14}}}paraId", pid)
        items += f'<w15:commentEx w15:paraId="{pid}" w15:done="1"/>'
    ext = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f"{items}</w15:commentsEx>"
    )
    return repackage(
        data,
        replace={
            "word/comments.xml": lxml.etree.tostring(
                comments, xml_declaration=True, encoding="UTF-8"
            )
        },
        add={"word/commentsExtended.xml": ext.encode()},
        overrides=[
            (
                "/word/commentsExtended.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml",
            )
        ],
        rels=[
            (
                "word/_rels/document.xml.rels",
                "rIdCx1",
                "http://schemas.microsoft.com/office/2011/relationships/commentsExtended",
                "commentsExtended.xml",
            )
        ],
    )


def zip_bomb(target_bytes: int = (1 << 30) + (1 << 20), chunk: int = 1 << 22) -> bytes:
    """A small DOCX whose word/document.xml inflates to ``target_bytes`` of spaces.

    Streamed through zipfile in chunks so building it needs little memory.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        block = b" " * chunk
        # Opening by name makes zipfile use the archive's compresslevel (1: fastest).
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(f"<w:document {NSDECL}><w:body><w:p><w:r><w:t>".encode())
            written = 0
            while written < target_bytes:
                fh.write(block)
                written += chunk
    return out.getvalue()


def billion_laughs() -> bytes:
    """A DOCX whose word/document.xml declares nested entities (billion laughs)."""
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{ents}]>'
        f"<w:document {NSDECL}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>"
        "</w:document>"
    )
    return repackage(to_bytes(new_document()), replace={"word/document.xml": xml.encode()})


def with_alt_chunk(data: bytes, name: str, payload: bytes, ctype: str = "text/html") -> bytes:
    """Append a w:altChunk that makes Word render ``payload`` (word/``name``) in place."""
    src = zipfile.ZipFile(io.BytesIO(data))
    root = lxml.etree.fromstring(src.read("word/document.xml"))
    body = root.find(f"{{{W_NS}}}body")
    chunk = lxml.etree.Element(f"{{{W_NS}}}altChunk")
    chunk.set(f"{{{REL.rstrip('/')}}}id", "rIdAlt1")
    body.insert(len(body) - 1, chunk)
    return repackage(
        data,
        replace={
            "word/document.xml": lxml.etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        },
        add={f"word/{name}": payload},
        overrides=[(f"/word/{name}", ctype)],
        rels=[("word/_rels/document.xml.rels", "rIdAlt1", "aFChunk", name)],
    )


def photo_jpeg(artist: str = "", gps: tuple[float, float] | None = None, size: int = 16) -> bytes:
    """A small JPEG (Pillow) with an EXIF Artist/XPAuthor and optional GPS position."""
    from PIL import Image

    def dms(value: float) -> tuple[float, float, float]:
        d = int(value)
        m = int((value - d) * 60)
        return (float(d), float(m), round(((value - d) * 60 - m) * 60, 2))

    img = Image.new("RGB", (size, size), (180, 40, 40))
    exif = Image.Exif()
    if artist:
        exif[40093] = artist.encode("utf-16-le") + b"\x00\x00"  # XPAuthor (Windows)
    if gps is not None:
        exif[0x8825] = {1: "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def with_photo(document: DocxDocument, jpeg: bytes) -> bytes:
    """``document`` with a picture whose stored bytes are ``jpeg`` (EXIF kept as a camera
    leaves it; python-docx's own image parser is given a plain copy to size the picture)."""
    from PIL import Image

    plain = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(plain, "JPEG")
    document.add_picture(io.BytesIO(plain.getvalue()))
    data = to_bytes(document)
    names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]
    return repackage(data, replace={names[0]: jpeg})


def with_custom_xml(data: bytes, xml: str, item: int = 1) -> bytes:
    """Add customXml/item<N>.xml (as an OA system stores its data) and its itemProps part."""
    props = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
        f'<ds:datastoreItem ds:itemID="{{6C3C8BC8-F283-45AE-878A-BAB7291924A{item}}}" '
        'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>'
    )
    return repackage(
        data,
        add={
            f"customXml/item{item}.xml": xml.encode("utf-8"),
            f"customXml/itemProps{item}.xml": props.encode("utf-8"),
        },
        overrides=[
            (
                f"/customXml/itemProps{item}.xml",
                "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
            )
        ],
        rels=[
            (
                "word/_rels/document.xml.rels",
                f"rIdCx{item}",
                "customXml",
                f"../customXml/item{item}.xml",
            )
        ],
    )

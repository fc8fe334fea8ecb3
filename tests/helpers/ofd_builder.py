"""Build OFD files (GB/T 33190-2016) from the schema: OFD.xml → Document.xml → pages.

Each part is written the way OFD producers (suwell, foxit, the 电子公文 exporters) lay out
a package: ``Doc_0/Pages/Page_N/Content.xml`` with one ``TextObject`` per line, page
templates under ``Doc_0/Tpls``, annotations under ``Doc_0/Annots``, attachments under
``Doc_0/Attachs``, signatures under ``Doc_0/Signs``, custom tags under ``Doc_0/Tags``.
All text is our own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SIZE = 4.2333  # 12 pt in mm
LEFT, TOP, WIDTH = 25.0, 30.0, 160.0


@dataclass
class Annotation:
    page: int  # 0-based
    remark: str
    creator: str = ""
    kind: str = "Highlight"
    appearance_text: str = ""


@dataclass
class OfdSpec:
    pages: Sequence[Sequence[str]]
    template: Sequence[str] = ()
    title: str = "通知"
    author: str = ""
    custom_datas: dict[str, str] = field(default_factory=dict)
    annotations: Sequence[Annotation] = ()
    attachments: Sequence[tuple[str, bytes]] = ()
    custom_tags: dict[str, str] = field(default_factory=dict)  # element name → text
    seals: int = 0
    image_only_pages: Sequence[int] = ()  # 0-based pages holding only an ImageObject
    scan_png: bytes = b""  # the picture those pages show (a MultiMedia resource)
    white_lines: Sequence[tuple[int, str]] = ()  # (0-based page, text) drawn white on white
    # (0-based page, glyph indices): text kept only as glyph numbers (CGTransform), with an
    # empty TextCode, as some PDF→OFD converters write CID-font text
    glyph_lines: Sequence[tuple[int, Sequence[int]]] = ()
    # GM/T 0099-2020 encryption: Encryptions.xml at the root; page content replaced by
    # ciphertext at the EPath its EncryptEntries map names
    encrypted: bool = False
    glyph_font: bytes = b""  # a TrueType font embedded as resource Font 3 for glyph_lines
    namespace: str = NS


def _advance(ch: str) -> float:
    """Full width for CJK, half for Latin letters and digits (as a real font)."""
    return SIZE if ord(ch) > 0x2E80 else SIZE / 2


def _text_objects(lines: Sequence[str], first_id: int, top: float = TOP) -> tuple[str, int]:
    out: list[str] = []
    y = top
    oid = first_id
    for line in lines:
        while True:
            cut, used = 0, 0.0
            while cut < len(line) and used + _advance(line[cut]) <= WIDTH:
                used += _advance(line[cut])
                cut += 1
            chunk, line = line[: max(cut, 1)], line[max(cut, 1) :]
            delta = " ".join(f"{_advance(c):.4f}" for c in chunk[:-1])
            out.append(
                f'<ofd:TextObject ID="{oid}" Boundary="{LEFT} {y:.2f} {WIDTH} {SIZE * 1.5:.2f}" '
                f'Font="2" Size="{SIZE}"><ofd:FillColor Value="0 0 0"/>'
                f'<ofd:TextCode X="0" Y="{SIZE:.4f}"'
                + (f' DeltaX="{delta}"' if delta else "")
                + f">{escape(chunk)}</ofd:TextCode></ofd:TextObject>"
            )
            oid += 1
            y += SIZE * 1.8
            if not line:
                break
    return "".join(out), oid


def _page(body: str, ns: str, template: bool) -> str:
    tpl = '<ofd:Template TemplateID="100" ZOrder="Background"/>' if template else ""
    return (
        f'{HEAD}<ofd:Page xmlns:ofd="{ns}">{tpl}<ofd:Content>'
        f'<ofd:Layer ID="1" Type="Body">{body}</ofd:Layer></ofd:Content></ofd:Page>'
    )


def build(spec: OfdSpec) -> bytes:
    ns = spec.namespace
    files: dict[str, str | bytes] = {}
    info = [f"<ofd:DocID>6a1c0f2e9b4d4e8f</ofd:DocID><ofd:Title>{escape(spec.title)}</ofd:Title>"]
    if spec.author:
        info.append(f"<ofd:Author>{escape(spec.author)}</ofd:Author>")
    info.append(
        "<ofd:CreationDate>2024-04-12</ofd:CreationDate><ofd:Creator>secreview tests</ofd:Creator>"
    )
    if spec.custom_datas:
        info.append(
            "<ofd:CustomDatas>"
            + "".join(
                f"<ofd:CustomData Name={quoteattr(k)}>{escape(v)}</ofd:CustomData>"
                for k, v in spec.custom_datas.items()
            )
            + "</ofd:CustomDatas>"
        )
    signs = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>" if spec.seals else ""
    files["OFD.xml"] = (
        f'{HEAD}<ofd:OFD xmlns:ofd="{ns}" Version="1.0" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo>{''.join(info)}</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        f"{signs}</ofd:DocBody></ofd:OFD>"
    )
    pages_xml = []
    oid = 10
    for n, lines in enumerate(spec.pages):
        pages_xml.append(f'<ofd:Page ID="{1000 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        if n in spec.image_only_pages:
            body = (
                f'<ofd:ImageObject ID="{oid}" Boundary="0 0 210 297" CTM="210 0 0 297 0 0" '
                'ResourceID="900"/>'
            )
            oid += 1
        else:
            body, oid = _text_objects(lines, oid)
            for page, text in spec.white_lines:
                if page == n:
                    white, oid = _text_objects([text], oid, top=250.0)
                    body += white.replace('Value="0 0 0"', 'Value="255 255 255"')
            for page, glyphs in spec.glyph_lines:
                if page == n:
                    body += (
                        f'<ofd:TextObject ID="{oid}" Boundary="{LEFT} 200 {WIDTH} 8" '
                        f'Font="{3 if spec.glyph_font else 2}" '
                        f'Size="{SIZE}"><ofd:CGTransform CodePosition="0" CodeCount="0" '
                        f'GlyphCount="{len(glyphs)}"><ofd:Glyphs>{" ".join(map(str, glyphs))}'
                        f'</ofd:Glyphs></ofd:CGTransform><ofd:TextCode X="0" Y="{SIZE:.4f}"/>'
                        "</ofd:TextObject>"
                    )
                    oid += 1
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = _page(body, ns, bool(spec.template))
    common = (
        "<ofd:CommonData><ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        + ('<ofd:TemplatePage ID="100" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if spec.template else "")
        + "</ofd:CommonData>"
    )
    if spec.template:
        body, oid = _text_objects(spec.template, oid, top=12.0)
        files["Doc_0/Tpls/Tpl_0/Content.xml"] = (
            f'{HEAD}<ofd:Page xmlns:ofd="{ns}"><ofd:Content><ofd:Layer ID="2">{body}'
            "</ofd:Layer></ofd:Content></ofd:Page>"
        )
    media = ""
    if spec.scan_png:
        media = (
            '<ofd:MultiMedias><ofd:MultiMedia ID="900" Type="Image" Format="PNG">'
            "<ofd:MediaFile>image_900.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias>"
        )
        files["Doc_0/Res/image_900.png"] = spec.scan_png
    embedded = ""
    if spec.glyph_font:
        embedded = (
            '<ofd:Font ID="3" FontName="EmbeddedSubset"><ofd:FontFile>font_3.ttf</ofd:FontFile>'
            "</ofd:Font>"
        )
        files["Doc_0/Res/font_3.ttf"] = spec.glyph_font
    files["Doc_0/DocumentRes.xml"] = (
        f'{HEAD}<ofd:Res xmlns:ofd="{ns}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/>{embedded}</ofd:Fonts>{media}</ofd:Res>'
    )
    extra = ""
    if spec.annotations:
        extra += "<ofd:Annotations>Annots/Annotations.xml</ofd:Annotations>"
        by_page: dict[int, list[Annotation]] = {}
        for a in spec.annotations:
            by_page.setdefault(a.page, []).append(a)
        refs = []
        for page, annots in sorted(by_page.items()):
            refs.append(
                f'<ofd:Page PageID="{1000 + page}"><ofd:FileLoc>Page_{page}/Annotation.xml'
                "</ofd:FileLoc></ofd:Page>"
            )
            items = []
            for k, a in enumerate(annots):
                appearance = ""
                if a.appearance_text:
                    txt, oid = _text_objects([a.appearance_text], oid)
                    appearance = f'<ofd:Appearance Boundary="20 200 100 20">{txt}</ofd:Appearance>'
                creator = f" Creator={quoteattr(a.creator)}" if a.creator else ""
                items.append(
                    f'<ofd:Annot ID="{k + 1}" Type="{a.kind}"{creator} '
                    f'LastModDate="2024-04-12"><ofd:Remark>{escape(a.remark)}</ofd:Remark>'
                    f"{appearance}</ofd:Annot>"
                )
            files[f"Doc_0/Annots/Page_{page}/Annotation.xml"] = (
                f'{HEAD}<ofd:PageAnnot xmlns:ofd="{ns}">{"".join(items)}</ofd:PageAnnot>'
            )
        files["Doc_0/Annots/Annotations.xml"] = (
            f'{HEAD}<ofd:Annotations xmlns:ofd="{ns}">{"".join(refs)}</ofd:Annotations>'
        )
    if spec.attachments:
        extra += "<ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"
        items = []
        for k, (name, data) in enumerate(spec.attachments):
            stem, _, ext = name.rpartition(".")
            items.append(
                f'<ofd:Attachment ID="{k + 1}" Name={quoteattr(stem)} Format="{ext}" '
                f'Size="{len(data) / 1024:.2f}" Visible="true"><ofd:FileLoc>att_{k}.{ext}'
                "</ofd:FileLoc></ofd:Attachment>"
            )
            files[f"Doc_0/Attachs/att_{k}.{ext}"] = data
        files["Doc_0/Attachs/Attachments.xml"] = (
            f'{HEAD}<ofd:Attachments xmlns:ofd="{ns}">{"".join(items)}</ofd:Attachments>'
        )
    if spec.custom_tags:
        extra += "<ofd:CustomTags>Tags/CustomTag.xml</ofd:CustomTags>"
        files["Doc_0/Tags/CustomTag.xml"] = (
            f'{HEAD}<ofd:CustomTags xmlns:ofd="{ns}"><ofd:CustomTag TypeID="公文">'
            "<ofd:FileLoc>Tag_0.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>"
        )
        inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in spec.custom_tags.items())
        files["Doc_0/Tags/Tag_0.xml"] = f"{HEAD}<公文>{inner}</公文>"
    files["Doc_0/Document.xml"] = (
        f'{HEAD}<ofd:Document xmlns:ofd="{ns}">{common}<ofd:Pages>{"".join(pages_xml)}'
        f"</ofd:Pages>{extra}</ofd:Document>"
    )
    if spec.seals:
        sigs = []
        for k in range(spec.seals):
            sigs.append(
                f'<ofd:Signature ID="{k + 1}" Type="Seal" BaseLoc="Sign_{k}/Signature.xml"/>'
            )
            files[f"Doc_0/Signs/Sign_{k}/Signature.xml"] = (
                f'{HEAD}<ofd:Signature xmlns:ofd="{ns}"><ofd:SignedInfo>'
                '<ofd:Provider ProviderName="测试签章组件" Company="测试单位" Version="1.0"/>'
                "<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
                "<ofd:SignatureDateTime>20240412100000Z</ofd:SignatureDateTime>"
                f'<ofd:StampAnnot ID="{k + 1}" PageRef="1000" Boundary="120 220 40 40"/>'
                "<ofd:Seal><ofd:BaseLoc>Seal.esl</ofd:BaseLoc></ofd:Seal>"
                "</ofd:SignedInfo><ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>"
            )
            files[f"Doc_0/Signs/Sign_{k}/SignedValue.dat"] = b"\x30\x82\x01\x00" + b"\x00" * 64
        files["Doc_0/Signs/Signatures.xml"] = (
            f'{HEAD}<ofd:Signatures xmlns:ofd="{ns}"><ofd:MaxSignId>{spec.seals}</ofd:MaxSignId>'
            f"{''.join(sigs)}</ofd:Signatures>"
        )
    if spec.encrypted:
        _encrypt(files, ns)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()


def _encrypt(files: dict[str, str | bytes], ns: str) -> None:
    """GM/T 0099-2020 layout: each page's Content.xml moved to ciphertext (random bytes
    here) at its EPath, the plaintext removed, Encryptions.xml → EncryptInfo →
    DecryptSeed + EncryptEntries (the plain path → cipher path map)."""
    import os

    entries = []
    for name in [n for n in files if n.endswith("/Content.xml") and "/Pages/" in n]:
        cipher = name.replace("Content.xml", "Content.xml.enc")
        files[cipher] = os.urandom(256)
        del files[name]
        entries.append(f'<ofd:EncryptEntry Path="/{name}" EPath="/{cipher}"/>')
    files["Encrypt_0/EncryptEntries.xml"] = (
        f'{HEAD}<ofd:EncryptEntries xmlns:ofd="{ns}">{"".join(entries)}</ofd:EncryptEntries>'
    )
    files["Encrypt_0/DecryptSeed.xml"] = os.urandom(64)
    files["Encryptions.xml"] = (
        f'{HEAD}<ofd:Encryptions xmlns:ofd="{ns}"><ofd:EncryptInfo ID="1">'
        '<ofd:Provider ProviderName="测试加密组件" Version="1.0"/>'
        "<ofd:EncryptScope>Part</ofd:EncryptScope><ofd:EncryptDate>2024-04-12T09:00:00"
        "</ofd:EncryptDate><ofd:DecryptSeedLoc>/Encrypt_0/DecryptSeed.xml</ofd:DecryptSeedLoc>"
        "<ofd:EntriesMapLoc>/Encrypt_0/EncryptEntries.xml</ofd:EntriesMapLoc>"
        "</ofd:EncryptInfo></ofd:Encryptions>"
    )


def subset_font(chars: str) -> tuple[bytes, dict[str, int]]:
    """A TrueType font (fontTools FontBuilder) with one box glyph per character of
    ``chars``, numbered in reverse order as a subsetting converter would renumber them;
    returns the font and each character's glyph number."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    unique = list(dict.fromkeys(chars))
    names = [".notdef"] + [f"glyph{n}" for n in range(1, len(unique) + 1)]
    gid = {ch: len(unique) - k for k, ch in enumerate(unique)}  # reversed numbering
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(ch): names[gid[ch]] for ch in unique})
    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((550, 0))
    pen.lineTo((550, 700))
    pen.closePath()
    box = pen.glyph()
    fb.setupGlyf({name: box for name in names})
    fb.setupHorizontalMetrics({name: (600, 50) for name in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "EmbeddedSubset", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue(), gid

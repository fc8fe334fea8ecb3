"""OFD (GB/T 33190-2016, 版式文档): text per page with its position, annotations, attachments,
document information, custom tags and signatures (签章).

An OFD file is a ZIP package of XML parts: ``OFD.xml`` (document info, the path of each
``Document.xml`` and of its signature list) → ``Document.xml`` (pages, templates,
annotations, attachments, custom tags) → each page's ``Content.xml`` (layers of
``TextObject``/``TextCode``). The package is opened through ``safezip`` (bomb limits, no
DTDs) and read with lxml; names are matched without namespace, since producers use several.

Locations: page text is grouped into lines and paragraphs as for PDF (``body``, ``page``,
``paragraph``, ``bbox`` in pt from the page's top-left corner); template pages (letterheads
shared by pages) are ``header`` with ``field`` = 模板 ID; annotations ``annotation``; custom
tags ``custom_xml``; document info ``metadata``; attachments ``attachment``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile, EncryptedFile, TooLarge
from secreview.extract import nested, ocr
from secreview.extract.image import read_pages
from secreview.extract.pdf_layout import Glyph, lines, paragraphs
from secreview.extract.people import looks_like_person_name
from secreview.extract.safezip import open_package, parse_xml, read_member
from secreview.model import Document, Location, ResidueNote, Segment

MM_TO_PT = 72.0 / 25.4
INFO_FIELDS = ("Title", "Author", "Subject", "Abstract", "Creator", "Keywords", "DocUsage")
MAX_OBJECTS_PER_PAGE = 200_000


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: lxml.etree._Element | None, name: str) -> Iterator[lxml.etree._Element]:
    if el is None:
        return
    for child in el:
        if _local(child.tag) == name:
            yield child


def _child(el: lxml.etree._Element | None, name: str) -> lxml.etree._Element | None:
    return next(_children(el, name), None)


def _text(el: lxml.etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _floats(value: str | None) -> list[float]:
    out: list[float] = []
    for tok in (value or "").split():
        try:
            out.append(float(tok))
        except ValueError:
            return []
    return out


def _deltas(value: str | None, limit: int) -> list[float]:
    """DeltaX/DeltaY: numbers, where ``g N v`` stands for N copies of v."""
    toks = (value or "").split()
    out: list[float] = []
    i = 0
    try:
        while i < len(toks) and len(out) < limit:
            if toks[i] == "g" and i + 2 < len(toks):
                out.extend([float(toks[i + 2])] * min(int(toks[i + 1]), limit - len(out)))
                i += 3
            else:
                out.append(float(toks[i]))
                i += 1
    except ValueError:
        return out
    return out


class _Package:
    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.names = {n for n in zf.namelist() if not n.endswith("/")}
        self.folded = {n.lower(): n for n in self.names}

    def resolve(self, base: str, loc: str | None) -> str | None:
        """A location written in part ``base``: relative to it, or to the package root."""
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            return None
        if loc.startswith("/"):
            candidates = [loc.lstrip("/")]
        else:
            candidates = [posixpath.join(posixpath.dirname(base), loc), loc]
        for cand in candidates:
            name = posixpath.normpath(cand)
            if name in self.names:
                return name
            if name.lower() in self.folded:
                return self.folded[name.lower()]
        return None

    def xml(self, name: str | None) -> lxml.etree._Element | None:
        if name is None:
            return None
        data = read_member(self.zf, name, self.limits)
        return parse_xml(data, name) if data is not None else None

    def data(self, name: str) -> bytes | None:
        return read_member(self.zf, name, self.limits)


@dataclass
class _Page:
    number: int
    name: str
    template_ids: list[str] = field(default_factory=list)


def _invisible(obj: lxml.etree._Element, size_mm: float) -> bool:
    """Text a reader does not see: not filled (nor stroked), transparent, white, or < 1 pt."""
    if obj.get("Fill") == "false" and obj.get("Stroke") != "true":
        return True
    if obj.get("Alpha") == "0":
        return True
    fill = _child(obj, "FillColor")
    if fill is not None:
        if fill.get("Alpha") == "0" or (fill.get("Value") or "").split() == ["255"] * 3:
            return True
    return 0 < size_mm < 0.35


def _glyph_numbers(obj: lxml.etree._Element) -> list[int] | None:
    """The glyph numbers a TextObject draws when its TextCode holds no characters (text kept
    only as CGTransform/Glyphs, as some PDF→OFD converters write CID-font text); None when
    the TextCode has text (CGTransform then only refines how it is drawn)."""
    if any((code.text or "").strip() for code in _children(obj, "TextCode")):
        return None
    out: list[int] = []
    for cg in _children(obj, "CGTransform"):
        for glyphs in _children(cg, "Glyphs"):
            for tok in _text(glyphs).split():
                if tok.isdigit() and len(out) < MAX_OBJECTS_PER_PAGE:
                    out.append(int(tok))
    return out


# font ID, glyph numbers → the characters they draw (None when they cannot be told)
GlyphDecoder = Callable[[str, list[int]], str | None]


def _char_of_glyph(data: bytes) -> dict[int, str] | None:
    """Glyph number → character from an embedded font's cmap (fontTools), preferring a real
    character to a private-use one; None for a font without a usable cmap."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover — a runtime dependency; text is then noted unread
        return None
    try:
        with TTFont(io.BytesIO(data), lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
            ids = {name: n for n, name in enumerate(font.getGlyphOrder())}
    except Exception:  # noqa: BLE001 — a broken or hostile font: its text is noted unread
        return None
    out: dict[int, str] = {}
    for code, name in sorted(cmap.items()):
        gid = ids.get(name)
        if gid is None or gid == 0:
            continue
        if gid not in out or (_private(out[gid]) and not _private(chr(code))):
            out[gid] = chr(code)
    return out or None


def _private(ch: str) -> bool:
    return 0xE000 <= ord(ch) <= 0xF8FF or ord(ch) >= 0xF0000


def _glyphs(
    root: lxml.etree._Element,
    seq_start: int = 0,
    unread: list[tuple[float, float, float, float]] | None = None,
    decode: GlyphDecoder | None = None,
) -> list[Glyph]:
    """Each character of every TextObject/TextCode, positioned in pt from the top-left;
    ``render_mode`` 3 marks text a reader does not see (see ``_invisible``). Text drawn
    only by glyph number (``_glyph_numbers``) is read through ``decode`` (the embedded
    font's cmap); when that cannot tell its characters, its box goes to ``unread``."""
    out: list[Glyph] = []
    seq = seq_start
    for obj in root.iter("{*}TextObject"):
        if len(out) > MAX_OBJECTS_PER_PAGE:
            raise TooLarge("OFD 页面中的文字对象过多，疑似恶意构造的文件")
        box = _floats(obj.get("Boundary"))
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        numbers = _glyph_numbers(obj)
        from_glyphs = None
        if numbers:
            from_glyphs = decode(obj.get("Font") or "", numbers) if decode else None
            if from_glyphs is None:
                if unread is not None:
                    w, h = (box[2], box[3]) if len(box) == 4 else (0.0, 0.0)
                    x0, y0 = round(bx * MM_TO_PT, 1), round(by * MM_TO_PT, 1)
                    x1, y1 = round((bx + w) * MM_TO_PT, 1), round((by + h) * MM_TO_PT, 1)
                    unread.append((x0, y0, x1, y1))
                continue
        size = _floats(obj.get("Size"))
        font = size[0] if size else 3.5
        ctm = _floats(obj.get("CTM"))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        scale = abs(d) if d else 1.0
        upright = abs(b) < 1e-6 and abs(c) < 1e-6
        mode = 3 if _invisible(obj, font * scale) else 0
        for k, code in enumerate(_children(obj, "TextCode")):
            text = from_glyphs if from_glyphs is not None and k == 0 else code.text or ""
            if not text:
                continue
            xs = _floats(code.get("X"))
            ys = _floats(code.get("Y"))
            x = xs[0] if xs else 0.0
            y = ys[0] if ys else font
            dx = _deltas(code.get("DeltaX"), len(text))
            for k, ch in enumerate(text):
                width = font if ord(ch) > 0x2E80 else font * 0.5
                if k < len(dx) and 0 < dx[k] < width * 2:
                    width = dx[k]  # the producer's own advance: no false gaps between glyphs
                px, py = a * x + c * y + e, b * x + d * y + f
                h = font * scale
                out.append(
                    Glyph(
                        ch,
                        (bx + px) * MM_TO_PT,
                        (by + py - h) * MM_TO_PT,
                        (bx + px + width * abs(a or 1.0)) * MM_TO_PT,
                        (by + py) * MM_TO_PT,
                        h * MM_TO_PT,
                        seq,
                        mode,
                        None,
                        upright,
                    )
                )
                seq += 1
                x += dx[k] if k < len(dx) else width
    return out


def _page_segments(doc: Document, glyphs: list[Glyph], width: float | None, loc: Location) -> int:
    n = 0
    for para in paragraphs(lines(glyphs), width):
        n += 1
        bbox = (round(para.x0, 1), round(para.top, 1), round(para.x1, 1), round(para.bottom, 1))
        doc.segments.append(Segment(para.text, loc.with_(paragraph=n, bbox=bbox)))
    return n


def _area(obj: lxml.etree._Element) -> float:
    box = _floats(obj.get("Boundary"))
    return box[2] * box[3] if len(box) == 4 else 0.0


def _page_width(doc_root: lxml.etree._Element | None) -> float | None:
    area = _child(_child(doc_root, "CommonData"), "PageArea")
    box = _floats(_text(_child(area, "PhysicalBox")))
    return box[2] * MM_TO_PT if len(box) == 4 else None


class _Reader:
    def __init__(self, pkg: _Package, doc: Document) -> None:
        self.pkg = pkg
        self.doc = doc
        self.limits = pkg.limits
        self.page_numbers: dict[str, int] = {}  # page ID → 1-based number
        self.pages = 0
        self.fonts: dict[str, str] = {}  # font ID → embedded font file part
        self._glyph_maps: dict[str, dict[int, str] | None] = {}

    def decode(self, font_id: str, numbers: list[int]) -> str | None:
        """The characters glyph ``numbers`` of font ``font_id`` draw, by its embedded font's
        cmap; None when the font is not embedded or a glyph is not in its cmap."""
        if font_id not in self._glyph_maps:
            part = self.fonts.get(font_id)
            data = self.pkg.data(part) if part else None
            self._glyph_maps[font_id] = _char_of_glyph(data) if data else None
        chars = self._glyph_maps[font_id]
        if chars is None or any(n not in chars for n in numbers):
            return None
        return "".join(chars[n] for n in numbers)

    def read(self) -> None:
        self._refuse_encrypted(None)
        root = self.pkg.xml(self.pkg.resolve("", "OFD.xml"))
        self._refuse_encrypted(root)
        if root is None or _local(root.tag) != "OFD":
            raise CorruptFile("不是有效的 OFD 文件（缺少 OFD.xml 根元素）")
        bodies = list(_children(root, "DocBody"))
        if not bodies:
            raise CorruptFile("不是有效的 OFD 文件（OFD.xml 中没有 DocBody）")
        for n, body in enumerate(bodies, start=1):
            doc_name = self.pkg.resolve("OFD.xml", _text(_child(body, "DocRoot")))
            if doc_name is None:
                raise CorruptFile("OFD 文件缺少 Document.xml（DocRoot 指向的部件不存在）")
            self._info(_child(body, "DocInfo"), n if len(bodies) > 1 else None)
            self._document(doc_name)
            sign_list = self.pkg.resolve("OFD.xml", _text(_child(body, "Signatures")))
            self._signatures(sign_list)
        self.doc.facts["pages"] = self.pages

    def _refuse_encrypted(self, root: lxml.etree._Element | None) -> None:
        """GM/T 0099-2020 encryption: ``Encryptions.xml`` beside OFD.xml (the plain parts are
        removed or replaced by harmless text), or an Encrypt… entry in OFD.xml (``root``)."""
        if root is None and self.pkg.resolve("", "Encryptions.xml") is not None:
            raise EncryptedFile(
                "OFD 文件已加密（GM/T 0099 密码应用：Encryptions.xml），内容无法审查；"
                "请解除加密后重新导出再提交"
            )
        for el in root.iter() if root is not None else ():
            if _local(el.tag).startswith("Encrypt"):
                raise EncryptedFile(
                    f"OFD 文件已加密（OFD.xml 中有加密信息 {_local(el.tag)}），内容无法审查；"
                    "请解除加密后重新导出再提交"
                )

    # --- document info -------------------------------------------------------------------
    def _info(self, info: lxml.etree._Element | None, body: int | None) -> None:
        if info is None:
            return
        fields: list[tuple[str, str]] = []
        for name in INFO_FIELDS:
            el = _child(info, name)
            value = _text(el)
            if name == "Keywords":
                value = "、".join(_text(k) for k in _children(el, "Keyword") if _text(k))
            if value:
                fields.append((name, value))
        for data in _children(_child(info, "CustomDatas"), "CustomData"):
            value = _text(data)
            if value:
                fields.append((f"CustomData:{data.get('Name') or ''}", value))
        if not fields:
            return
        prefix = f"文档{body}:" if body else ""
        for name, value in fields:
            self.doc.metadata.setdefault(prefix + name, value)
            self.doc.segments.append(Segment(value, Location(part="metadata", field=prefix + name)))
        person = next((v for k, v in fields if k == "Author" and looks_like_person_name(v)), None)
        if person:
            message = (
                f"OFD 文档属性「作者」为「{person}」，像是个人姓名，"
                "发布前请在文档属性中清除作者等信息后重新导出"
            )
            severity = "review"
        else:
            listed = "、".join(k for k, _ in fields[:6])
            message = f"OFD 文档属性含 {len(fields)} 项信息（{listed}），发布前请核对是否需要清除"
            severity = "info"
        self.doc.residue.append(
            ResidueNote(
                "metadata",
                message,
                Location(part="metadata", field=prefix + ("Author" if person else fields[0][0])),
                count=len(fields),
                severity=severity,
                sample=person or fields[0][1],
            )
        )

    # --- pages ---------------------------------------------------------------------------
    def _document(self, name: str) -> None:
        root = self.pkg.xml(name)
        if root is None:
            raise CorruptFile(f"OFD 文件缺少 {name}")
        width = _page_width(root)
        self.fonts = self._fonts(name, root)
        templates = {
            t.get("ID") or "": self.pkg.resolve(name, t.get("BaseLoc"))
            for t in _children(_child(root, "CommonData"), "TemplatePage")
        }
        pages: list[_Page] = []
        for page in _children(_child(root, "Pages"), "Page"):
            part = self.pkg.resolve(name, page.get("BaseLoc"))
            if part is None:
                continue
            self.pages += 1
            if self.pages > self.limits.max_pages:
                raise TooLarge(f"OFD 页数超过上限 {self.limits.max_pages} 页，请拆分后提交")
            pages.append(_Page(self.pages, part))
            self.page_numbers[page.get("ID") or ""] = self.pages
        used: dict[str, int] = {}
        glyph_only: list[tuple[int, tuple[float, float, float, float]]] = []
        image_pages: list[int] = []
        invisible_pages: list[int] = []
        scans: dict[int, lxml.etree._Element] = {}  # page → its largest ImageObject
        for page in pages:
            proot = self.pkg.xml(page.name)
            if proot is None:
                continue
            for tpl in _children(proot, "Template"):
                used.setdefault(tpl.get("TemplateID") or "", page.number)
            own = _page_width(proot) or width
            content = _child(proot, "Content")
            unread: list[tuple[float, float, float, float]] = []
            glyphs = _glyphs(
                content if content is not None else proot, unread=unread, decode=self.decode
            )
            glyph_only += [(page.number, box) for box in unread]
            unseen = [g for g in glyphs if g.render_mode == 3]
            glyphs = [g for g in glyphs if g.render_mode != 3]
            _page_segments(self.doc, glyphs, own, Location(part="body", page=page.number))
            for k, ln in enumerate(lines(unseen), start=1):
                bbox = (round(ln.x0, 1), round(ln.top, 1), round(ln.x1, 1), round(ln.bottom, 1))
                loc = Location(part="invisible", page=page.number, paragraph=k, bbox=bbox)
                self.doc.segments.append(Segment(ln.text, loc))
                invisible_pages.append(page.number)
            images = list(proot.iter("{*}ImageObject"))
            if not glyphs and images:
                image_pages.append(page.number)
                scans[page.number] = max(images, key=_area)
        for tid, first_page in used.items():
            troot = self.pkg.xml(templates.get(tid))
            if troot is not None:
                loc = Location(part="header", page=first_page, field=f"模板{tid}")
                boxes: list[tuple[float, float, float, float]] = []
                _page_segments(self.doc, _glyphs(troot, 0, boxes, self.decode), width, loc)
                glyph_only += [(first_page, box) for box in boxes]
        if invisible_pages:
            shown_pages = sorted(set(invisible_pages))
            first = next(x for x in self.doc.segments if x.location.part == "invisible")
            self.doc.residue.append(
                ResidueNote(
                    "invisible_text",
                    f"第{'、'.join(str(p) for p in shown_pages[:20])}页含不可见文字"
                    f"（{len(invisible_pages)} 行：无填充、透明、白色或极小字号），读者复制或搜索"
                    "即可得到，请删除这些文字后重新导出",
                    Location(part="invisible", page=shown_pages[0]),
                    count=len(invisible_pages),
                    sample=first.text,
                )
            )
        if glyph_only:
            where = sorted({n for n, _box in glyph_only})
            self.doc.residue.append(
                ResidueNote(
                    "glyph_only_text",
                    f"第{'、'.join(str(p) for p in where[:20])}页有 {len(glyph_only)} 处文字只以字形编号"
                    "保存（CGTransform，没有文字编码），无法自动读出，需人工核对；"
                    "请用生成 OFD 的软件重新导出（保留文字信息）后再提交",
                    Location(part="body", page=glyph_only[0][0], bbox=glyph_only[0][1]),
                    count=len(glyph_only),
                )
            )
        if image_pages and ocr.available():
            media = self._media(name, root)
            frames = self._scan_frames(scans, media)
            read_pages(self.doc, frames, image_pages, self.limits, what="OFD 扫描页")
        elif image_pages:
            shown = "、".join(str(p) for p in image_pages[:20])
            self.doc.residue.append(
                ResidueNote(
                    "image_only_page",
                    f"第{shown}页为图片（扫描件），没有文字层，无法自动审查，需人工核对"
                    f"（共 {len(image_pages)} 页）",
                    Location(part="image_only_page", page=image_pages[0]),
                    count=len(image_pages),
                )
            )
        self._annotations(name, self.pkg.resolve(name, _text(_child(root, "Annotations"))))
        self._custom_tags(name, self.pkg.resolve(name, _text(_child(root, "CustomTags"))))
        self._attachments(self.pkg.resolve(name, _text(_child(root, "Attachments"))))

    # --- scanned pages ------------------------------------------------------------------
    def _fonts(self, doc_name: str, root: lxml.etree._Element) -> dict[str, str]:
        """Font ID → embedded font file (Font/FontFile), from the resource files."""
        out: dict[str, str] = {}
        for res_name, base, res in self._resources(doc_name, root):
            for font in res.iter("{*}Font"):
                loc = _text(_child(font, "FontFile"))
                if not loc:
                    continue
                part = self.pkg.resolve(res_name, posixpath.join(base, loc) if base else loc)
                part = part or self.pkg.resolve(res_name, loc)
                if part:
                    out[font.get("ID") or ""] = part
        return out

    def _resources(
        self, doc_name: str, root: lxml.etree._Element
    ) -> Iterator[tuple[str, str, lxml.etree._Element]]:
        """(part name, BaseLoc, root) of each DocumentRes/PublicRes resource file."""
        common = _child(root, "CommonData")
        for kind in ("DocumentRes", "PublicRes"):
            for ref in _children(common, kind):
                res_name = self.pkg.resolve(doc_name, _text(ref))
                res = self.pkg.xml(res_name)
                if res is not None and res_name is not None:
                    yield res_name, res.get("BaseLoc") or "", res

    def _media(self, doc_name: str, root: lxml.etree._Element) -> dict[str, str]:
        """MultiMedia ID → image part, from the DocumentRes/PublicRes resource files."""
        out: dict[str, str] = {}
        for res_name, base, res in self._resources(doc_name, root):
            for mm in res.iter("{*}MultiMedia"):
                loc = _text(_child(mm, "MediaFile"))
                part = self.pkg.resolve(res_name, posixpath.join(base, loc) if base else loc)
                part = part or self.pkg.resolve(res_name, loc)
                if part:
                    out[mm.get("ID") or ""] = part
        return out

    def _scan_frames(
        self, scans: dict[int, lxml.etree._Element], media: dict[str, str]
    ) -> Iterator[tuple[int, object]]:
        from secreview.extract.image import open_image

        for number, obj in scans.items():
            part = media.get(obj.get("ResourceID") or "")
            data = self.pkg.data(part) if part else None
            if not data:
                continue  # left for a person: listed as not read
            im = open_image(data, self.limits)
            try:
                im.load()
                box = _floats(obj.get("Boundary"))
                if len(box) == 4 and im.size[0]:
                    im.secreview_scale = box[2] * MM_TO_PT / im.size[0]  # pixels → pt
                yield number, im
            finally:
                im.close()

    # --- annotations, custom tags, attachments, signatures -------------------------------
    def _annotations(self, doc_name: str, name: str | None) -> None:
        root = self.pkg.xml(name)
        if root is None or name is None:
            return
        found: list[Segment] = []
        for page in _children(root, "Page"):
            number = self.page_numbers.get(page.get("PageID") or "")
            part = self.pkg.resolve(name, _text(_child(page, "FileLoc")))
            aroot = self.pkg.xml(part)
            if aroot is None:
                continue
            for k, annot in enumerate(aroot.iter("{*}Annot"), start=1):
                kind = annot.get("Type") or "Annot"
                who = annot.get("Creator") or ""
                label = f"{kind}（{who}）" if who else kind
                pieces = [_text(_child(annot, "Remark"))]
                pieces += [_text(p) for p in annot.iter("{*}Parameter")]
                pieces += ["".join(t.itertext()) for t in annot.iter("{*}TextCode")]
                text = " ".join(p for p in pieces if p.strip())
                if text.strip():
                    found.append(
                        Segment(
                            text, Location(part="annotation", page=number, paragraph=k, field=label)
                        )
                    )
        if not found:
            return
        self.doc.segments.extend(found)
        self.doc.residue.append(
            ResidueNote(
                "annotations",
                f"OFD 含注释 {len(found)} 项（批注、水印、印章外观等），读者在阅读器中即可看到，"
                "请确认可以公开，不需要的请删除后重新导出",
                Location(part="annotation", page=found[0].location.page),
                count=len(found),
                sample=found[0].text,
            )
        )

    def _custom_tags(self, doc_name: str, name: str | None) -> None:
        root = self.pkg.xml(name)
        if root is None or name is None:
            return
        for k, tag in enumerate(_children(root, "CustomTag"), start=1):
            part = self.pkg.resolve(name, _text(_child(tag, "FileLoc")))
            troot = self.pkg.xml(part)
            if troot is None:
                continue
            label = tag.get("TypeID") or tag.get("NameSpace") or f"标引{k}"
            for n, el in enumerate(troot.iter(), start=1):
                value = (el.text or "").strip()
                if value and isinstance(el.tag, str):
                    self.doc.segments.append(
                        Segment(
                            value,
                            Location(
                                part="custom_xml", paragraph=n, field=f"{label}:{_local(el.tag)}"
                            ),
                        )
                    )

    def _attachments(self, name: str | None) -> None:
        root = self.pkg.xml(name)
        if root is None or name is None:
            return
        files: list[tuple[str, bytes]] = []
        missing: list[str] = []
        for att in _children(root, "Attachment"):
            title = att.get("Name") or att.get("ID") or "附件"
            part = self.pkg.resolve(name, _text(_child(att, "FileLoc")))
            data = self.pkg.data(part) if part else None
            if data:
                fmt = (att.get("Format") or "").strip().lower()
                if fmt and not re.search(r"\.[A-Za-z0-9]{1,5}$", title):
                    title = f"{title}.{fmt}"
                files.append((title, data))
            else:
                missing.append(title)
        if not files and not missing:
            return
        outcome = nested.extract_inner(self.doc, files, self.limits, label="OFD附件")
        outcome.unread += [(m, "附件文件缺失") for m in missing]
        parts = []
        if outcome.read:
            parts.append(f"已一并审查：{'、'.join(outcome.read[:10])}")
        if outcome.unread:
            parts.append(
                f"无法自动审查，需人工核对：{'、'.join(n for n, _ in outcome.unread[:10])}"
            )
        first = (outcome.read or [n for n, _ in outcome.unread])[0]
        self.doc.residue.append(
            ResidueNote(
                "embedded",
                f"OFD 含附件 {len(outcome.read) + len(outcome.unread)} 个（{'；'.join(parts)}），"
                "附件会随文档公开，如无必要请删除附件后重新导出",
                Location(part="attachment", field=first),
                count=len(outcome.read) + len(outcome.unread),
                severity="review",
                sample=first,
            )
        )

    def _signatures(self, name: str | None) -> None:
        root = self.pkg.xml(name)
        if root is None or name is None:
            return
        seen: list[str] = []
        pages: list[int] = []
        for sig in _children(root, "Signature"):
            kind = "电子签章" if (sig.get("Type") or "Seal") == "Seal" else "数字签名"
            sroot = self.pkg.xml(self.pkg.resolve(name, sig.get("BaseLoc")))
            signed = _child(sroot, "SignedInfo")
            provider = _child(signed, "Provider")
            when = _text(_child(signed, "SignatureDateTime"))
            bits = [kind]
            for stamp in _children(signed, "StampAnnot"):
                number = self.page_numbers.get(stamp.get("PageRef") or "")
                if number is not None:
                    pages.append(number)
                    bits.append(f"第{number}页")
            if provider is not None and (provider.get("Company") or provider.get("ProviderName")):
                bits.append(f"签章组件：{provider.get('Company') or provider.get('ProviderName')}")
            if when:
                bits.append(f"时间：{when}")
            seen.append("，".join(bits))
        if not seen:
            return
        self.doc.facts["signatures"] = seen
        self.doc.residue.append(
            ResidueNote(
                "signatures",
                f"OFD 含电子签章/签名 {len(seen)} 个（{'；'.join(seen[:5])}）；"
                "公开时签章随文件一起发布，请确认加盖的印章可以公开",
                Location(part="annotation", page=pages[0] if pages else None, field="签章"),
                count=len(seen),
                severity="info",
                sample=seen[0],
            )
        )


def extract(data: bytes, path: str, limits: Limits) -> Document:
    doc = Document(path=path, format="ofd")
    zf = open_package(data, limits)
    try:
        _Reader(_Package(zf, limits), doc).read()
    except zlib.error as e:
        raise CorruptFile(f"OFD 文件已损坏，压缩数据无法解开（{e}）") from e
    except RecursionError as e:
        raise CorruptFile("OFD 文件结构嵌套过深，无法处理") from e
    finally:
        zf.close()
    return doc

"""PPTX: slides, tables, speaker notes, comments, hidden slides, masters, properties, embeddings.

Read from the package XML with lxml after the ``safezip`` checks (like DOCX): faster than
python-pptx and it sees what python-pptx does not expose (comments, hidden slides, the text
on masters). Slides are taken in presentation order (``p:sldIdLst``).

Locations: ``slide`` with ``page`` = slide number and ``paragraph`` = the paragraph on that
slide; a table row is one ``table`` segment (``page``, ``paragraph`` = table number on the
slide, ``row``, each cell a span with ``col``); ``notes`` for speaker notes; ``comment``;
a hidden slide's text is ``hidden`` (with its ``page``); text placed on a slide master or
layout (not placeholder prompts) is ``header`` with ``field`` = the master's part name.
"""

from __future__ import annotations

import functools
import posixpath
import zipfile
import zlib
from collections.abc import Iterator

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile, TooLarge
from secreview.extract import nested
from secreview.extract.image import Picture, read_pictures
from secreview.extract.image_meta import IMAGE_SUFFIXES, add_image_notes
from secreview.extract.ooxml_props import add_custom_xml, add_property_segments, read_properties
from secreview.extract.safezip import check_all_xml, open_package, parse_xml, read_member
from secreview.extract.tabular import row_segment
from secreview.model import Document, Location, ResidueNote, Segment

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
P188 = "{http://schemas.microsoft.com/office/powerpoint/2018/8/main}"

_OFF = ("0", "false", "off")
_NOTES_SKIP = frozenset({"sldImg", "sldNum"})


class _Package:
    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.names = {n for n in zf.namelist() if not n.endswith("/")}
        self._rels: dict[str, list[tuple[str, str, str]]] = {}

    def xml(self, name: str | None) -> lxml.etree._Element | None:
        if not name:
            return None
        data = read_member(self.zf, name, self.limits)
        return parse_xml(data, name) if data is not None else None

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type's last path segment, target part) of a part's internal relationships."""
        if part not in self._rels:
            folder, base = posixpath.split(part)
            root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
            out: list[tuple[str, str, str]] = []
            for rel in root.iter(PKG_REL + "Relationship") if root is not None else ():
                if rel.get("TargetMode") == "External":
                    continue
                target = rel.get("Target") or ""
                name = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                out.append((rel.get("Id") or "", kind, name))
            self._rels[part] = out
        return self._rels[part]

    def related(self, part: str, kind: str) -> list[str]:
        return [n for _i, k, n in self.rels(part) if k == kind and n in self.names]


def _paragraph_text(p: lxml.etree._Element) -> str:
    out: list[str] = []
    for el in p.iter(A + "t", A + "br", A + "tab"):
        if el.tag == A + "t":
            out.append(el.text or "")
        elif el.tag == A + "br":
            out.append("\n")
        else:
            out.append("\t")
    return "".join(out)


def _is_placeholder(sp: lxml.etree._Element) -> str | None:
    """The placeholder type of a shape ('body' when the type is not given), else None."""
    for nv in sp:
        if isinstance(nv.tag, str) and nv.tag.startswith(P + "nv"):
            ph = nv.find(f"{P}nvPr/{P}ph")
            if ph is not None:
                return ph.get("type") or "body"
    return None


def _shapes(tree: lxml.etree._Element) -> Iterator[lxml.etree._Element]:
    """Shapes and graphic frames in drawing order, group shapes and mc:AlternateContent
    opened (one branch)."""
    for child in tree:
        tag = child.tag
        if tag in (P + "sp", P + "graphicFrame", P + "cxnSp", P + "pic"):
            yield child
        elif tag == P + "grpSp":
            yield from _shapes(child)
        elif tag == MC + "AlternateContent":
            branch = next((b for b in child if isinstance(b.tag, str)), None)
            if branch is not None:
                yield from _shapes(branch)


class _SlideText:
    """Text of one slide (or notes page / master): paragraphs and table rows."""

    def __init__(self, part: str, page: int | None, field: str | None = None) -> None:
        self.part = part
        self.page = page
        self.field = field
        self.segments: list[Segment] = []
        self.paragraphs = 0
        self.tables = 0

    def shape(self, shape: lxml.etree._Element, skip_placeholders: frozenset[str] | None) -> None:
        if skip_placeholders is not None:
            ph = _is_placeholder(shape)
            if ph is not None and (not skip_placeholders or ph in skip_placeholders):
                return
        for body in shape.iter(P + "txBody"):
            for p in body.iter(A + "p"):
                self.paragraph(_paragraph_text(p))
        for tbl in shape.iter(A + "tbl"):
            self.table(tbl)
        self.alt_text(shape)

    def alt_text(self, shape: lxml.etree._Element) -> None:
        """A picture's or shape's alternative text (cNvPr descr/title): read aloud by screen
        readers and shown by the viewer, so published with the file."""
        nv = next((c for c in shape if isinstance(c.tag, str) and c.tag.startswith(P + "nv")), None)
        pr = nv.find(P + "cNvPr") if nv is not None else None
        if pr is None:
            return
        for value in dict.fromkeys(
            v for v in (pr.get("descr"), pr.get("title")) if v and v.strip()
        ):
            self.paragraphs += 1
            field = f"{self.field}|alt_text" if self.field else "alt_text"
            loc = Location(part=self.part, page=self.page, paragraph=self.paragraphs, field=field)
            self.segments.append(Segment(value, loc))

    def paragraph(self, text: str) -> None:
        self.paragraphs += 1
        if text.strip():
            self.segments.append(
                Segment(
                    text,
                    Location(
                        part=self.part, page=self.page, paragraph=self.paragraphs, field=self.field
                    ),
                )
            )

    def table(self, tbl: lxml.etree._Element) -> None:
        self.tables += 1
        number = self.tables
        part = "table" if self.part == "slide" else self.part
        for r_index, tr in enumerate(tbl.iter(A + "tr"), start=1):
            cells: list[tuple[int, str]] = []
            for col, tc in enumerate(tr.iter(A + "tc"), start=1):
                if tc.get("hMerge") in ("1", "true") or tc.get("vMerge") in ("1", "true"):
                    continue
                text = "\n".join(_paragraph_text(p) for p in tc.iter(A + "p"))
                cells.append((col, text))
            row_loc = Location(
                part=part, page=self.page, paragraph=number, row=r_index, field=self.field
            )
            seg = row_segment(cells, row_loc, functools.partial(_with_col, row_loc))
            if seg is not None:
                self.segments.append(seg)


def _with_col(loc: Location, col: int) -> Location:
    return loc.with_(col=col)


def _slide_parts(pkg: _Package) -> list[str]:
    pres = "ppt/presentation.xml"
    for _i, kind, name in pkg.rels(""):
        if kind == "officeDocument":
            pres = name
    root = pkg.xml(pres)
    if root is None:
        raise CorruptFile("不是有效的演示文稿（缺少 ppt/presentation.xml）")
    by_id = {rid: name for rid, kind, name in pkg.rels(pres) if kind == "slide"}
    out: list[str] = []
    lst = root.find(P + "sldIdLst")
    for sld in lst if lst is not None else ():
        target = by_id.get(sld.get(R_NS + "id") or "")
        if target and target in pkg.names:
            out.append(target)
    return out


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def _graphics(pkg: _Package, slide: str, text: _SlideText) -> None:
    """SmartArt (diagram data) and chart text (titles, series and category labels) of a
    slide: shown on the slide but stored in parts of their own."""
    for part in pkg.related(slide, "diagramData"):
        root = pkg.xml(part)
        for p in root.iter(A + "p") if root is not None else ():
            text.paragraph(_paragraph_text(p))
    for part in pkg.related(slide, "chart"):
        root = pkg.xml(part)
        if root is None:
            continue
        for p in root.iter(A + "p"):
            text.paragraph(_paragraph_text(p))
        labels = [v.text or "" for v in root.iter(C + "v") if v.getparent() is not None]
        words = [x for x in labels if x.strip() and not _is_number(x)]
        if words:
            text.paragraph("\t".join(dict.fromkeys(words)))


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _authors(pkg: _Package) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ("ppt/commentAuthors.xml", "ppt/authors.xml"):
        root = pkg.xml(name) if name in pkg.names else None
        if root is None:
            continue
        for el in root:
            if (
                isinstance(el.tag, str)
                and el.tag.endswith("}cmAuthor")
                or el.tag == P188 + "author"
            ):
                out[el.get("id") or ""] = el.get("name") or el.get("initials") or ""
    return out


def _comments(pkg: _Package, slide: str, number: int, authors: dict[str, str]) -> list[Segment]:
    out: list[Segment] = []
    names = pkg.related(slide, "comments")
    for name in names:
        root = pkg.xml(name)
        if root is None:
            continue
        for k, cm in enumerate((c for c in root if isinstance(c.tag, str)), start=1):
            author = authors.get(cm.get("authorId") or "", "")
            date = cm.get("dt") or cm.get("created") or ""
            texts = [t.text or "" for t in cm.iter(P + "text", A + "t")]
            text = "\n".join(t for t in texts if t.strip())
            if text:
                who = "，".join(x for x in (f"作者：{author}" if author else "", date) if x)
                out.append(
                    Segment(
                        text, Location(part="comment", page=number, paragraph=k, field=who or None)
                    )
                )
    return out


def _read(pkg: _Package, path: str) -> Document:
    doc = Document(path=path, format="pptx")
    slides = _slide_parts(pkg)
    if len(slides) > pkg.limits.max_pages:
        raise TooLarge(f"幻灯片超过上限 {pkg.limits.max_pages} 张，请拆分后提交")
    authors = _authors(pkg)
    hidden: list[int] = []
    noted: list[int] = []
    comments: list[Segment] = []
    masters: set[str] = set()
    pictures: list[Picture] = []
    seen_pictures: set[str] = set()
    for number, name in enumerate(slides, start=1):
        root = pkg.xml(name)
        if root is None:
            continue
        is_hidden = (root.get("show") or "1").lower() in _OFF
        text = _SlideText("hidden" if is_hidden else "slide", number)
        tree = root.find(f"{P}cSld/{P}spTree")
        for shape in _shapes(tree) if tree is not None else ():
            text.shape(shape, None)
        _graphics(pkg, name, text)
        doc.segments.extend(text.segments)
        for picture in pkg.related(name, "image"):
            if picture not in seen_pictures:
                seen_pictures.add(picture)
                data = read_member(pkg.zf, picture, pkg.limits)
                if data:
                    pictures.append(
                        Picture(
                            posixpath.basename(picture), data, Location(part="ocr", page=number)
                        )
                    )
        if is_hidden:
            hidden.append(number)
        for notes_part in pkg.related(name, "notesSlide"):
            nroot = pkg.xml(notes_part)
            ntree = nroot.find(f"{P}cSld/{P}spTree") if nroot is not None else None
            notes = _SlideText("notes", number)
            for shape in _shapes(ntree) if ntree is not None else ():
                notes.shape(shape, _NOTES_SKIP)
            if notes.segments:
                noted.append(number)
                doc.segments.extend(notes.segments)
        comments += _comments(pkg, name, number, authors)
        for layout in pkg.related(name, "slideLayout"):
            masters.add(layout)
            masters.update(pkg.related(layout, "slideMaster"))
    for name in sorted(masters):
        root = pkg.xml(name)
        tree = root.find(f"{P}cSld/{P}spTree") if root is not None else None
        text = _SlideText("header", None, field=posixpath.basename(name))
        for shape in _shapes(tree) if tree is not None else ():
            text.shape(shape, frozenset())  # placeholders on masters are prompts, not content
        doc.segments.extend(text.segments)
    doc.segments.extend(comments)
    for name in sorted(pkg.names):  # on masters and layouts (a letterhead), or not placed
        if name.startswith("ppt/media/") and name not in seen_pictures:
            data = read_member(pkg.zf, name, pkg.limits)
            if data:
                pictures.append(Picture(posixpath.basename(name), data))
    read_pictures(doc, pictures, pkg.limits, "演示文稿")
    _notes(doc, hidden, noted, comments)
    add_property_segments(doc, read_properties(pkg.zf, pkg.limits))
    add_custom_xml(doc, pkg.zf, pkg.limits)
    add_image_notes(
        doc,
        (
            (n, read_member(pkg.zf, n, pkg.limits) or b"")
            for n in sorted(pkg.names)
            if n.startswith("ppt/media/") and n.lower().endswith(IMAGE_SUFFIXES)
        ),
    )
    _embedded(pkg, doc)
    doc.facts.update(pages=len(slides), slides=len(slides), hidden_slides=hidden)
    return doc


def _pages(numbers: list[int]) -> str:
    return "、".join(str(n) for n in numbers[:20]) + (" 等" if len(numbers) > 20 else "")


def _notes(doc: Document, hidden: list[int], noted: list[int], comments: list[Segment]) -> None:
    if hidden:
        first = next((s for s in doc.segments if s.location.part == "hidden"), None)
        doc.residue.append(
            ResidueNote(
                "hidden_slides",
                f"演示文稿含隐藏幻灯片（第{_pages(hidden)}张），放映时看不到，但文件中仍然存在；"
                "请删除隐藏的幻灯片，或取消隐藏后审查",
                Location(part="hidden", page=hidden[0]),
                count=len(hidden),
                sample=first.text if first else "",
            )
        )
    if comments:
        people = sorted({(s.location.field or "").split("，")[0] for s in comments} - {""})
        by = (
            f"批注人：{'、'.join(p.removeprefix('作者：') for p in people[:3])}；" if people else ""
        )
        doc.residue.append(
            ResidueNote(
                "comments",
                f"演示文稿含批注（{len(comments)} 条），{by}请删除全部批注后再提交",
                Location(part="comment", page=comments[0].location.page),
                count=len(comments),
                sample=comments[0].text,
            )
        )
    if noted:
        first = next(s for s in doc.segments if s.location.part == "notes")
        doc.residue.append(
            ResidueNote(
                "speaker_notes",
                f"演示文稿含演讲者备注（第{_pages(noted)}张幻灯片），文件公开后任何人都能看到，"
                "请确认备注可以公开，不需要的请删除",
                Location(part="notes", page=noted[0]),
                count=len(noted),
                severity="info",
                sample=first.text,
            )
        )


def _embedded(pkg: _Package, doc: Document) -> None:
    names = sorted(n for n in pkg.names if n.startswith("ppt/embeddings/"))
    if not names:
        return
    files = []
    for name in names:
        data = read_member(pkg.zf, name, pkg.limits)
        if data:
            files.append((posixpath.basename(name), data))
    outcome = nested.extract_inner(doc, files, pkg.limits, label="嵌入文件")
    parts = []
    if outcome.read:
        parts.append(f"已一并审查：{'、'.join(outcome.read[:10])}")
    if outcome.unread:
        parts.append(f"无法自动审查，请人工检查：{'、'.join(n for n, _ in outcome.unread[:10])}")
    doc.residue.append(
        ResidueNote(
            "embedded",
            f"演示文稿内嵌 {len(names)} 个文件（{'；'.join(parts)}；图表的数据表也在其中）；"
            "嵌入对象的全部内容会随文件公开，不需要的请删除后再提交",
            Location(part="attachment", field=posixpath.basename(names[0])),
            count=len(names),
            severity="review",
            sample="、".join(posixpath.basename(n) for n in names[:5]),
        )
    )


def extract(data: bytes, path: str, limits: Limits) -> Document:
    zf = open_package(data, limits)
    try:
        check_all_xml(zf, limits)
        return _read(_Package(zf, limits), path)
    except zlib.error as e:
        raise CorruptFile(f"演示文稿已损坏，压缩数据无法解开（{e}）") from e
    except RecursionError as e:
        raise CorruptFile("演示文稿结构嵌套过深，无法处理") from e
    finally:
        zf.close()

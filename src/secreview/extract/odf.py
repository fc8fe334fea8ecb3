"""OpenDocument (ODT/ODS/ODP): text, tables, sheets, slides, notes, comments, tracked
changes, hidden text, headers/footers and document properties.

Read from the package XML (``content.xml``, ``styles.xml``, ``meta.xml``) with lxml after
the ``safezip`` checks, like the OOXML readers. Locations follow the other formats: ODT
``body``/``table`` paragraphs numbered in document order; ODS ``sheet`` rows with A1 cells;
ODP ``slide``/``notes`` with ``page`` = slide number; ``comment`` (office:annotation),
``revision_delete`` (text:deletion), ``hidden`` (hidden paragraphs, text, sections),
``header``/``footer`` from the master pages; ``metadata`` from meta.xml.
"""

from __future__ import annotations

import functools
import zipfile
import zlib

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile, EncryptedFile, TooLarge
from secreview.extract.detect import detect_format
from secreview.extract.image import Picture, read_pictures
from secreview.extract.image_meta import add_image_notes
from secreview.extract.ooxml_props import add_property_segments
from secreview.extract.safezip import check_all_xml, open_package, parse_xml, read_member
from secreview.extract.tabular import row_segment, sheet_row_segment
from secreview.model import Document, Location, ResidueNote, Segment

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
PRES = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"

_PARA = (TEXT + "p", TEXT + "h")
_SKIP = frozenset(
    {
        TEXT + "tracked-changes",
        OFFICE + "annotation",
        OFFICE + "annotation-end",
        TEXT + "note-citation",
    }
)
_META_FIELDS = {
    DC + "creator": "lastModifiedBy",
    META + "initial-creator": "creator",
    DC + "title": "title",
    DC + "subject": "subject",
    DC + "description": "description",
    META + "keyword": "keywords",
}
MAX_REPEAT = 1000  # table:number-*-repeated beyond this only repeats empty cells


def _inline(el: lxml.etree._Element, hidden: list[str]) -> str:
    """Visible text of a paragraph; hidden spans go to ``hidden``. Notes and annotations
    inside the paragraph are read separately."""
    out: list[str] = [el.text or ""]
    for child in el:
        tag = child.tag
        if tag in _SKIP:
            pass
        elif tag == TEXT + "s":
            out.append(" " * min(_int(child.get(TEXT + "c")), 100))
        elif tag == TEXT + "tab":
            out.append("\t")
        elif tag == TEXT + "line-break":
            out.append("\n")
        elif tag == TEXT + "hidden-text":
            if child.get(TEXT + "is-hidden") != "false":
                hidden.append(child.get(TEXT + "string-value") or "".join(child.itertext()))
            else:
                out.append(child.get(TEXT + "string-value") or "")
        elif tag == TEXT + "note":
            pass
        elif isinstance(tag, str):
            out.append(_inline(child, hidden))
        out.append(child.tail or "")
    return "".join(out)


class _Walker:
    def __init__(self, doc: Document, fmt: str) -> None:
        self.doc = doc
        self.fmt = fmt
        self.paragraphs = 0
        self.tables = 0
        self.hidden: list[Segment] = []
        self.comments: list[Segment] = []
        self.notes: list[Segment] = []

    def blocks(
        self, el: lxml.etree._Element, loc: Location, counter: list[int], hidden: bool = False
    ) -> None:
        for child in el:
            tag = child.tag
            if tag in _PARA:
                counter[0] += 1
                field = child.find(TEXT + "hidden-paragraph")  # a field that hides its paragraph
                off = field is not None and field.get(TEXT + "is-hidden") != "false"
                self.paragraph(child, loc.with_(paragraph=counter[0]), hidden or off)
            elif tag == TABLE + "table":
                self.table(child, loc, hidden)
            elif tag == TEXT + "section":
                off = child.get(TEXT + "display") == "none" or child.get(TEXT + "condition")
                self.blocks(child, loc, counter, hidden or bool(off))
            elif tag in _SKIP:
                continue
            elif tag in (SVG + "title", SVG + "desc"):  # a frame's alternative text
                alt = " ".join("".join(child.itertext()).split())
                if alt:
                    counter[0] += 1
                    where = loc.with_(paragraph=counter[0], field="alt_text")
                    target = self.hidden if hidden else self.doc.segments
                    target.append(Segment(alt, where.with_(part="hidden") if hidden else where))
            elif isinstance(tag, str):
                self.blocks(child, loc, counter, hidden)  # lists, list items, frames, boxes

    def paragraph(self, p: lxml.etree._Element, loc: Location, hidden: bool) -> None:
        spans: list[str] = []
        text = _inline(p, spans)
        if text.strip():
            target = self.hidden if hidden else self.doc.segments
            target.append(Segment(text, loc.with_(part="hidden") if hidden else loc))
        if spans and "".join(spans).strip():
            self.hidden.append(Segment("".join(spans), loc.with_(part="hidden")))
        for ann in p.iter(OFFICE + "annotation"):
            self.annotation(ann, loc)
        for note in p.iter(TEXT + "note-body"):
            body = "\n".join(_inline(x, []) for x in note.iter(*_PARA))
            if body.strip():
                self.notes.append(Segment(body, loc.with_(part="footnote")))

    def annotation(self, ann: lxml.etree._Element, host: Location) -> None:
        author = " ".join("".join(a.itertext()) for a in ann.iter(DC + "creator")).strip()
        date = " ".join("".join(a.itertext()) for a in ann.iter(DC + "date")).strip()
        text = "\n".join(_inline(x, []) for x in ann.iter(*_PARA))
        if text.strip():
            who = "，".join(x for x in (f"作者：{author}" if author else "", date) if x)
            self.comments.append(
                Segment(
                    text,
                    Location(
                        part="comment",
                        page=host.page,
                        paragraph=len(self.comments) + 1,
                        field=who or None,
                    ),
                )
            )

    def table(self, tbl: lxml.etree._Element, loc: Location, hidden: bool) -> None:
        self.tables += 1
        number = self.tables
        part = "hidden" if hidden else ("table" if loc.part in ("body", "slide") else loc.part)
        for r, cells in enumerate(self.rows(tbl, loc), start=1):
            row_loc = loc.with_(part=part, paragraph=number, row=r)
            seg = row_segment(cells, row_loc, functools.partial(_with_col, row_loc))
            if seg is not None:
                self.doc.segments.append(seg)

    def rows(self, tbl: lxml.etree._Element, loc: Location) -> list[list[tuple[int, str]]]:
        return [cells for cells, _hidden in self.sheet_rows(tbl, loc)]

    def sheet_rows(
        self, tbl: lxml.etree._Element, loc: Location
    ) -> list[tuple[list[tuple[int, str]], bool]]:
        """(cells, row hidden) per row; repeated rows expanded up to ``MAX_REPEAT``."""
        out: list[tuple[list[tuple[int, str]], bool]] = []
        for row in tbl.iter(TABLE + "table-row"):
            cells: list[tuple[int, str]] = []
            col = 1
            for cell in row:
                if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
                    continue
                repeat = min(_int(cell.get(TABLE + "number-columns-repeated")), MAX_REPEAT)
                text = "\n".join(self.cell_paragraph(p, loc) for p in cell.iter(*_PARA))
                if text.strip():
                    cells.append((col, text))
                col += repeat
            hidden = row.get(TABLE + "visibility") in ("collapse", "filter")
            repeat_rows = min(_int(row.get(TABLE + "number-rows-repeated")), MAX_REPEAT)
            out.append((cells, hidden))
            out.extend([(cells if cells else [], hidden)] * (repeat_rows - 1))
        return out

    def cell_paragraph(self, p: lxml.etree._Element, loc: Location) -> str:
        spans: list[str] = []
        text = _inline(p, spans)
        if spans:
            self.hidden.append(Segment("".join(spans), loc.with_(part="hidden")))
        for ann in p.iter(OFFICE + "annotation"):
            self.annotation(ann, loc)
        return text


def _with_col(loc: Location, col: int) -> Location:
    return loc.with_(col=col)


def _deletions(content: lxml.etree._Element) -> list[Segment]:
    out: list[Segment] = []
    authors: list[str] = []
    for n, region in enumerate(content.iter(TEXT + "changed-region"), start=1):
        for who in region.iter(DC + "creator"):
            name = "".join(who.itertext()).strip()
            if name and name not in authors:
                authors.append(name)
        for deletion in region.iter(TEXT + "deletion"):
            text = "\n".join(_inline(p, []) for p in deletion.iter(*_PARA))
            if text.strip():
                out.append(
                    Segment(text, Location(part="revision_delete", paragraph=n, field="修订"))
                )
    return out


def _meta(pkg: zipfile.ZipFile, limits: Limits) -> list[tuple[str, str]]:
    data = read_member(pkg, "meta.xml", limits)
    if data is None:
        return []
    root = parse_xml(data, "meta.xml")
    found: dict[str, str] = {}
    custom: list[tuple[str, str]] = []
    for el in root.iter():
        value = "".join(el.itertext()).strip() if isinstance(el.tag, str) else ""
        if not value:
            continue
        name = _META_FIELDS.get(el.tag)
        if name:
            found[name] = f"{found[name]}、{value}" if name in found else value
        elif el.tag == META + "user-defined":
            custom.append((f"custom:{el.get(META + 'name') or ''}", value))
    order = ("creator", "lastModifiedBy", "title", "subject", "keywords", "description")
    return [(k, found[k]) for k in order if k in found] + custom


def _styles(pkg: zipfile.ZipFile, limits: Limits, walker: _Walker) -> None:
    data = read_member(pkg, "styles.xml", limits)
    if data is None:
        return
    root = parse_xml(data, "styles.xml")
    for kind in ("header", "footer"):
        counter = [0]
        for el in root.iter(STYLE + kind, STYLE + f"{kind}-left", STYLE + f"{kind}-first"):
            walker.blocks(el, Location(part=kind), counter)


def _read(zf: zipfile.ZipFile, path: str, fmt: str, limits: Limits) -> Document:
    manifest = read_member(zf, "META-INF/manifest.xml", limits) or b""
    if b"encryption-data" in manifest:
        raise EncryptedFile("文档已设置打开密码（加密的 OpenDocument 文件），请解除密码后再提交")
    data = read_member(zf, "content.xml", limits)
    if data is None:
        raise CorruptFile("不是有效的 OpenDocument 文件（缺少 content.xml）")
    content = parse_xml(data, "content.xml")
    body = content.find(OFFICE + "body")
    if body is None:
        raise CorruptFile("不是有效的 OpenDocument 文件（content.xml 中没有 office:body）")
    doc = Document(path=path, format=fmt)
    walker = _Walker(doc, fmt)
    if fmt == "odt":
        for text in body.iter(OFFICE + "text"):
            walker.blocks(text, Location(part="body"), [0])
    elif fmt == "ods":
        _sheets(body, content, walker, limits)
    else:
        styles_xml = read_member(zf, "styles.xml", limits)
        styles_root = parse_xml(styles_xml, "styles.xml") if styles_xml else None
        hidden_slides = _slides(body, walker, limits, _hidden_page_styles(content, styles_root))
        _hidden_slides_note(doc, hidden_slides)
        doc.facts["hidden_slides"] = hidden_slides
    _styles(zf, limits, walker)
    deleted = _deletions(content)
    doc.segments.extend(walker.notes)
    doc.segments.extend(walker.comments)
    doc.segments.extend(deleted)
    doc.segments.extend(walker.hidden)
    _residue(doc, walker, deleted)
    add_property_segments(doc, _meta(zf, limits))
    pictures = _pictures(zf, body, limits)
    add_image_notes(doc, ((pic.name, pic.data) for pic in pictures))
    read_pictures(doc, pictures, limits, "文档")
    return doc


XLINK = "{http://www.w3.org/1999/xlink}"


def _pictures(zf: zipfile.ZipFile, body: lxml.etree._Element, limits: Limits) -> list[Picture]:
    """Pictures placed in the document (draw:image), with the slide they are on (ODP)."""
    located: list[tuple[int | None, lxml.etree._Element]] = [
        (n, img)
        for n, page in enumerate(body.iter(DRAW + "page"), start=1)
        for img in page.iter(DRAW + "image")
    ]
    located += [(None, img) for img in body.iter(DRAW + "image")]  # ODT/ODS (and repeats)
    out: list[Picture] = []
    seen: set[str] = set()
    for page, img in located:
        href = (img.get(XLINK + "href") or "").lstrip("./")
        if not href or href in seen or href.startswith(("http:", "https:", "file:")):
            continue
        seen.add(href)
        data = read_member(zf, href, limits)
        if not data:
            continue
        out.append(Picture(href.rsplit("/", 1)[-1], data, Location(part="ocr", page=page)))
    for name in sorted(zf.namelist()):  # on master pages (a letterhead), or not placed
        if name.startswith("Pictures/") and name not in seen and not name.endswith("/"):
            data = read_member(zf, name, limits)
            if data:
                out.append(Picture(name.rsplit("/", 1)[-1], data))
    return out


def _hidden_table_styles(content: lxml.etree._Element) -> set[str]:
    """Automatic table styles that hide a sheet (table:display="false")."""
    out: set[str] = set()
    for st in content.iter(STYLE + "style"):
        if st.get(STYLE + "family") != "table":
            continue
        props = st.find(STYLE + "table-properties")
        if props is not None and props.get(TABLE + "display") == "false":
            out.add(st.get(STYLE + "name") or "")
    return out


def _hidden_columns(sheet: lxml.etree._Element) -> set[int]:
    out: set[int] = set()
    col = 1
    for el in sheet.iter(TABLE + "table-column"):
        repeat = min(_int(el.get(TABLE + "number-columns-repeated")), 16384)
        if el.get(TABLE + "visibility") in ("collapse", "filter"):
            out.update(range(col, col + repeat))
        col += repeat
    return out


def _sheets(
    body: lxml.etree._Element, content: lxml.etree._Element, walker: _Walker, limits: Limits
) -> None:
    cells = 0
    hidden_styles = _hidden_table_styles(content)
    hidden_sheets: list[str] = []
    hidden_cells: list[Segment] = []
    for sheet in body.iter(TABLE + "table"):
        name = sheet.get(TABLE + "name") or ""
        sheet_hidden = (sheet.get(TABLE + "style-name") or "") in hidden_styles
        if sheet_hidden:
            hidden_sheets.append(name)
        hidden_cols = _hidden_columns(sheet)
        rows = walker.sheet_rows(sheet, Location(part="sheet", sheet=name))
        for r, (row, row_hidden) in enumerate(rows, start=1):
            cells += len(row)
            if cells > limits.max_xlsx_cells:
                raise TooLarge(f"表格单元格超过上限 {limits.max_xlsx_cells} 个")
            concealed = [(c, t) for c, t in row if sheet_hidden or row_hidden or c in hidden_cols]
            shown = [(c, t) for c, t in row if (c, t) not in concealed]
            seg = sheet_row_segment(shown, r, sheet=name, part="sheet")
            if seg is not None:
                walker.doc.segments.append(seg)
            seg = sheet_row_segment(concealed, r, sheet=name, part="hidden")
            if seg is not None:
                walker.doc.segments.append(seg)
                if not sheet_hidden:
                    hidden_cells.append(seg)
    if hidden_sheets:
        walker.doc.residue.append(
            ResidueNote(
                "hidden_sheets",
                f"表格含隐藏的工作表（{'、'.join(f'「{n}」' for n in hidden_sheets[:10])}），"
                "打开时看不到，但文件中仍然存在；请删除或取消隐藏后审查",
                Location(part="hidden", sheet=hidden_sheets[0]),
                count=len(hidden_sheets),
                sample=hidden_sheets[0],
            )
        )
    if hidden_cells:
        walker.doc.residue.append(
            ResidueNote(
                "hidden_cells",
                f"表格含隐藏的行或列（{len(hidden_cells)} 行有隐藏内容），打开时看不到，"
                "但文件中仍然存在；请删除或取消隐藏后审查",
                hidden_cells[0].location,
                count=len(hidden_cells),
                sample=hidden_cells[0].text,
            )
        )


def _int(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _hidden_page_styles(*roots: lxml.etree._Element | None) -> set[str]:
    """Drawing-page styles that hide a slide (presentation:visibility="hidden")."""
    out: set[str] = set()
    for root in roots:
        for st in root.iter(STYLE + "style") if root is not None else ():
            if st.get(STYLE + "family") != "drawing-page":
                continue
            props = st.find(STYLE + "drawing-page-properties")
            if props is not None and props.get(PRES + "visibility") == "hidden":
                out.add(st.get(STYLE + "name") or "")
    return out


def _slides(
    body: lxml.etree._Element, walker: _Walker, limits: Limits, hidden_styles: set[str]
) -> list[int]:
    """Each slide's text (a hidden slide's as ``hidden``); the numbers of hidden slides."""
    hidden: list[int] = []
    for number, page in enumerate(body.iter(DRAW + "page"), start=1):
        if number > limits.max_pages:
            raise TooLarge(f"幻灯片超过上限 {limits.max_pages} 张，请拆分后提交")
        is_hidden = (page.get(DRAW + "style-name") or "") in hidden_styles or page.get(
            PRES + "visibility"
        ) == "hidden"
        if is_hidden:
            hidden.append(number)
        counter = [0]
        for child in page:
            if child.tag == PRES + "notes":
                walker.blocks(child, Location(part="notes", page=number), [0])
            else:
                part = "hidden" if is_hidden else "slide"
                walker.blocks(child, Location(part=part, page=number), counter)
    return hidden


def _hidden_slides_note(doc: Document, hidden: list[int]) -> None:
    if not hidden:
        return
    first = next((s for s in doc.segments if s.location.part == "hidden"), None)
    pages = "、".join(str(n) for n in hidden[:20]) + (" 等" if len(hidden) > 20 else "")
    doc.residue.append(
        ResidueNote(
            "hidden_slides",
            f"演示文稿含隐藏幻灯片（第{pages}张），放映时看不到，但文件中仍然存在；"
            "请删除隐藏的幻灯片，或取消隐藏后审查",
            Location(part="hidden", page=hidden[0]),
            count=len(hidden),
            sample=first.text if first else "",
        )
    )


def _residue(doc: Document, walker: _Walker, deleted: list[Segment]) -> None:
    notes: list[tuple[str, str, list[Segment], str]] = [
        ("comments", "comment", walker.comments, "文档含批注（{n} 条），请删除全部批注后再提交"),
        (
            "revisions",
            "revision_delete",
            deleted,
            "文档含未接受的修订（删除内容 {n} 处），删除的文字仍保存在文件中；"
            "请接受或拒绝全部修订后再提交",
        ),
        (
            "hidden_text",
            "hidden",
            walker.hidden,
            "文档含隐藏内容（{n} 处：隐藏段落、隐藏文字或隐藏区段），文件中仍然存在；"
            "请删除或取消隐藏后审查",
        ),
    ]
    for kind, part, segs, message in notes:
        if segs:
            doc.residue.append(
                ResidueNote(
                    kind,
                    message.format(n=len(segs)),
                    Location(part=part),
                    len(segs),
                    sample=segs[0].text,
                )
            )


def extract(data: bytes, path: str, limits: Limits) -> Document:
    fmt = detect_format(data, path)
    zf = open_package(data, limits)
    try:
        check_all_xml(zf, limits)
        return _read(zf, path, fmt, limits)
    except zlib.error as e:
        raise CorruptFile(f"文档已损坏，压缩数据无法解开（{e}）") from e
    except RecursionError as e:
        raise CorruptFile("文档结构嵌套过深，无法处理") from e
    finally:
        zf.close()

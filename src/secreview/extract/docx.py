"""DOCX: body, tables, headers/footers, notes, text boxes and the residue Word keeps.

The package is opened through ``safezip`` (bomb and DTD checks first) and its XML walked
with lxml directly — faster than python-docx and it sees what python-docx hides: tracked
insertions and deletions, comments, hidden runs, document properties and embedded files.

Locations: body paragraphs are numbered among all ``w:p`` of the body (empty ones too, as
python-docx's ``Document.paragraphs`` does); a table row is one segment (part ``table``,
``paragraph`` = the table's number in the document, ``row``; each cell a span with ``col``);
header/footer/footnote/textbox paragraphs are numbered within their part.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile, InputError
from secreview.extract.image import Picture, read_pictures
from secreview.extract.image_meta import IMAGE_SUFFIXES, add_image_notes
from secreview.extract.ooxml_props import add_custom_xml, add_property_segments, read_properties
from secreview.extract.safezip import check_all_xml, open_package, parse_xml, read_member
from secreview.extract.tabular import row_segment
from secreview.model import Document, Location, ResidueNote, Segment, Span

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

P, R, T, TBL, TR, TC = W + "p", W + "r", W + "t", W + "tbl", W + "tr", W + "tc"
INS, DEL, MOVE_TO, MOVE_FROM = W + "ins", W + "del", W + "moveTo", W + "moveFrom"
DEL_TEXT, TXBX = W + "delText", W + "txbxContent"
ALT, CHOICE, FALLBACK = MC + "AlternateContent", MC + "Choice", MC + "Fallback"
SDT, SDT_CONTENT = W + "sdt", W + "sdtContent"
RPR, RSTYLE, VANISH, WEB_HIDDEN = W + "rPr", W + "rStyle", W + "vanish", W + "webHidden"

# Inline/block elements whose subtree never holds document text (properties, field codes).
_SKIP = frozenset(
    W + name
    for name in (
        "pPr rPr sectPr tblPr tblGrid trPr tcPr tblPrEx sdtPr sdtEndPr instrText "
        "delInstrText fldData rPrChange pPrChange numPr"
    ).split()
)
_TEXT_CHARS = {W + "tab": "\t", W + "ptab": "\t", W + "br": "\n", W + "cr": "\n"}
_TEXT_CHARS[W + "noBreakHyphen"] = "-"
_OFF = ("0", "false", "off")
_NOTE_SKIP_TYPES = ("separator", "continuationSeparator", "continuationNotice")
MAX_EMBED_DEPTH = 2


def _on(el: lxml.etree._Element | None) -> bool:
    """A w:ST_OnOff toggle element: present and not switched off."""
    return el is not None and el.get(W + "val", "true").lower() not in _OFF


def _choose(alt: lxml.etree._Element) -> lxml.etree._Element | None:
    """mc:AlternateContent carries the same content twice; read only one branch."""
    for branch in alt:
        if branch.tag in (CHOICE, FALLBACK):
            return branch
    return None


class _Para:
    """What one paragraph's inline content yields (a plain class: built per paragraph)."""

    __slots__ = (
        "hidden_default body body_len hidden ins dels boxes pictures alts ins_depth del_depth "
        "last_ins_end last_del_end cur_ins cur_del"
    ).split()

    def __init__(self, hidden_default: bool) -> None:
        self.hidden_default = hidden_default
        self.body: list[str] = []
        self.body_len = 0
        self.hidden: list[str] = []
        self.ins: list[str] = []
        self.dels: list[str] = []
        self.boxes: list[lxml.etree._Element] = []
        self.pictures: list[str] = []  # relationship ids of the pictures placed here
        # (field, text): pictures' alternative text (descr/title), WordArt/watermark text
        self.alts: list[tuple[str, str]] = []
        self.ins_depth = 0
        self.del_depth = 0
        # Body length when the last ins/del piece closed: adjacent pieces (no visible text
        # in between, e.g. a deletion split by a formatting change) merge into one.
        self.last_ins_end = -1
        self.last_del_end = -1
        self.cur_ins: list[str] = []
        self.cur_del: list[str] = []


@dataclass
class _Revision:
    kind: str  # revision_insert | revision_delete
    text: str
    host: Location


class _Walker:
    """Walks WordprocessingML containers and collects located segments."""

    def __init__(self, hidden_styles: set[str], hidden_para_styles: set[str]) -> None:
        self.hidden_styles = hidden_styles
        self.hidden_para_styles = hidden_para_styles
        self.tables = 0
        self.box_paragraphs = [0]
        self.revisions: list[_Revision] = []
        self.hidden: list[Segment] = []
        self.authors: list[str] = []
        # The part being walked (its relationships resolve picture ids) and every picture
        # placed: (part, relationship id, host paragraph's location).
        self.part_name = ""
        self.pictures: list[tuple[str, str, Location]] = []
        # Elements whose presence anywhere in a paragraph sends it to ``inline`` (_plain).
        self._not_plain = _NOT_PLAIN | {RSTYLE} if hidden_styles else _NOT_PLAIN
        if hidden_para_styles:
            self._not_plain = self._not_plain | {W + "pStyle"}

    # --- blocks -------------------------------------------------------------------------
    def blocks(
        self,
        container: lxml.etree._Element,
        part: str,
        counter: list[int],
        emit: Callable[[Segment], None],
        field: str | None = None,
    ) -> None:
        for child in container:
            tag = child.tag
            if tag == P:
                counter[0] += 1
                plain = self._plain(child)
                if plain is None:
                    loc = Location(part=part, paragraph=counter[0], field=field)
                    self.paragraph(child, loc, emit)
                elif plain.strip():
                    emit(Segment(plain, Location(part=part, paragraph=counter[0], field=field)))
            elif tag == TBL:
                self.table(child, part, field, emit)
            elif tag == ALT:
                branch = _choose(child)
                if branch is not None:
                    self.blocks(branch, part, counter, emit, field)
            elif isinstance(tag, str) and tag not in _SKIP:
                # w:sdt/w:sdtContent, w:customXml, block-level w:ins … hold blocks too.
                self.blocks(child, part, counter, emit, field)

    def paragraph(
        self, p: lxml.etree._Element, loc: Location, emit: Callable[[Segment], None]
    ) -> None:
        st = self._inline_of(p)
        text = "".join(st.body)
        if text.strip():
            emit(Segment(text, loc))
        self._residue(st, loc)
        self._placed(st, loc, emit)
        for box in st.boxes:
            self.blocks(box, "textbox", self.box_paragraphs, emit, _host_field(loc))

    def _plain(self, p: lxml.etree._Element) -> str | None:
        """The text of a paragraph of plain runs — w:r directly under the w:p, holding w:t and
        formatting — exactly what ``inline`` gives it (the common case, ~10x faster); None
        for any other paragraph (revisions, hidden text, tabs, symbols, drawings, text boxes,
        hyperlinks, fields …: ``inline`` reads those)."""
        stop = self._not_plain
        texts: list[str] = []
        for el in p.iter():
            tag = el.tag
            if tag in stop:
                return None
            if tag == T:
                run = el.getparent()
                if run is None or run.tag != R or run.getparent() is not p:
                    return None
                if el.text:
                    texts.append(el.text)
        return "".join(texts)

    def _inline_of(self, p: lxml.etree._Element) -> _Para:
        hidden = False
        ppr = p.find(W + "pPr")
        if ppr is not None and self.hidden_para_styles:
            style = ppr.find(W + "pStyle")
            hidden = style is not None and style.get(W + "val") in self.hidden_para_styles
        st = _Para(hidden)
        self.inline(p, st)
        return st

    def _placed(self, st: _Para, host: Location, emit: Callable[[Segment], None]) -> None:
        """Pictures placed in a paragraph (for OCR) and their alternative text."""
        for rid in st.pictures:
            self.pictures.append((self.part_name, rid, host))
        for kind, text in dict.fromkeys(st.alts):
            emit(Segment(text, host.with_(field=f"{host.field}|{kind}" if host.field else kind)))

    def _residue(self, st: _Para, host: Location) -> None:
        for kind, pieces in (("revision_insert", st.ins), ("revision_delete", st.dels)):
            for piece in pieces:
                self.revisions.append(_Revision(kind, piece, host))
        hidden = "".join(st.hidden)
        if hidden.strip():
            self.hidden.append(Segment(hidden, host.with_(part="hidden", field=_host_field(host))))

    # --- tables -------------------------------------------------------------------------
    def table(
        self,
        tbl: lxml.etree._Element,
        part: str,
        field: str | None,
        emit: Callable[[Segment], None],
    ) -> None:
        self.tables += 1
        number = self.tables
        row_part = "table" if part == "body" else part
        for r_index, tr in enumerate(_rows(tbl), start=1):
            deferred: list[Callable[[], None]] = []
            cells: list[tuple[int, str]] = []
            trpr = tr.find(W + "trPr")
            col = 1
            if trpr is not None:
                before = trpr.find(W + "gridBefore")
                if before is not None:
                    col += _int(before.get(W + "val"), 0)
            hosts: dict[int, Location] = {}
            for tc in _cells(tr):
                host = Location(part=row_part, paragraph=number, row=r_index, col=col, field=field)
                hosts.setdefault(col, host)
                cells.append((col, self.cell_text(tc, host, deferred, emit)))
                tcpr = tc.find(W + "tcPr")
                span = tcpr.find(W + "gridSpan") if tcpr is not None else None
                col += max(1, _int(span.get(W + "val"), 1)) if span is not None else 1
            seg = _row_segment(cells, r_index, row_part, number, field, hosts)
            if seg is not None:
                emit(seg)
            for job in deferred:
                job()

    def cell_text(
        self,
        tc: lxml.etree._Element,
        host: Location,
        deferred: list[Callable[[], None]],
        emit: Callable[[Segment], None],
    ) -> str:
        lines: list[str] = []

        def walk(container: lxml.etree._Element) -> None:
            for child in container:
                tag = child.tag
                if tag == P:
                    plain = self._plain(child)
                    if plain is not None:
                        lines.append(plain)
                        continue
                    st = self._inline_of(child)
                    lines.append("".join(st.body))
                    self._residue(st, host)
                    self._placed(st, host, emit)
                    for box in st.boxes:
                        deferred.append(
                            functools.partial(
                                self.blocks,
                                box,
                                "textbox",
                                self.box_paragraphs,
                                emit,
                                _host_field(host),
                            )
                        )
                elif tag == TBL:
                    deferred.append(
                        functools.partial(self.table, child, host.part, host.field, emit)
                    )
                elif tag == ALT:
                    branch = _choose(child)
                    if branch is not None:
                        walk(branch)
                elif isinstance(tag, str) and tag not in _SKIP:
                    walk(child)

        walk(tc)
        return "\n".join(line for line in lines if line.strip())

    # --- inline content -----------------------------------------------------------------
    def inline(self, el: lxml.etree._Element, st: _Para) -> None:
        for child in el:
            tag = child.tag
            if tag == R:
                self.run(child, st)
            elif tag in (INS, MOVE_TO):
                self._note_author(child)
                st.ins_depth += 1
                self.inline(child, st)
                st.ins_depth -= 1
                if st.ins_depth == 0:
                    st.last_ins_end = _close(st.cur_ins, st.ins, st.last_ins_end, st.body_len)
            elif tag in (DEL, MOVE_FROM):
                self._note_author(child)
                st.del_depth += 1
                self.inline(child, st)
                st.del_depth -= 1
                if st.del_depth == 0:
                    st.last_del_end = _close(st.cur_del, st.dels, st.last_del_end, st.body_len)
            elif tag == M + "t":
                self._text(child.text or "", st, False)
            elif tag == TXBX:
                st.boxes.append(child)
            elif tag == ALT:
                branch = _choose(child)
                if branch is not None:
                    self.inline(branch, st)
            elif isinstance(tag, str) and tag not in _SKIP and tag != P:
                # w:hyperlink, w:smartTag, w:sdt/w:sdtContent, w:fldSimple, w:customXml,
                # w:bdo/w:dir, m:oMath …
                self.inline(child, st)

    def run(self, r: lxml.etree._Element, st: _Para) -> None:
        hidden = st.hidden_default
        for child in r:
            tag = child.tag
            if tag == RPR:
                hidden = self._run_hidden(child, hidden)
            elif tag == T:
                self._text(child.text or "", st, hidden)
            elif tag == DEL_TEXT:
                self._text(child.text or "", st, hidden, deleted=True)
            elif tag in _TEXT_CHARS:  # tab, line/page break, carriage return
                self._text(_TEXT_CHARS[tag], st, hidden)
            elif tag == SYM:
                self._text(_symbol(child), st, hidden)
            elif isinstance(tag, str) and tag not in _SKIP:
                _drawing(child, st)  # w:drawing, w:pict, w:object, mc:AlternateContent

    def _run_hidden(self, rpr: lxml.etree._Element, hidden: bool) -> bool:
        """w:vanish/w:webHidden on the run decide; else a hiding character style."""
        explicit: bool | None = None
        for prop in rpr:
            tag = prop.tag
            if tag == VANISH or tag == WEB_HIDDEN:
                explicit = _on(prop) or bool(explicit)
            elif tag == RSTYLE and prop.get(W + "val") in self.hidden_styles:
                hidden = True
        return hidden if explicit is None else explicit

    def _text(self, text: str, st: _Para, hidden: bool, deleted: bool = False) -> None:
        if not text:
            return
        if deleted or st.del_depth:
            st.cur_del.append(text)
        elif hidden:
            st.hidden.append(text)
        else:
            st.body.append(text)
            st.body_len += len(text)
            if st.ins_depth:
                st.cur_ins.append(text)

    def _note_author(self, el: lxml.etree._Element) -> None:
        author = (el.get(W + "author") or "").strip()
        if author and author not in self.authors:
            self.authors.append(author)


SYM = W + "sym"
# Symbol-font characters Word stores as w:sym (Insert → Symbol): the stars of a marking.
_STAR_SYMBOLS = {"wingdings": {0xAB, 0xB6}, "wingdings 2": {0xEA, 0xEB, 0xF3, 0xF4, 0xF5}}


A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
WP_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
PIC_NV_PR = "{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr"
V_NS = "{urn:schemas-microsoft-com:vml}"
O_TITLE = "{urn:schemas-microsoft-com:office:office}title"
# Every tag ``inline``, ``run`` or ``_drawing`` does more with than read a w:t of a run.
_NOT_PLAIN = frozenset(
    {INS, DEL, MOVE_TO, MOVE_FROM, DEL_TEXT, TXBX, ALT, M + "t", SYM, VANISH, WEB_HIDDEN}
    | set(_TEXT_CHARS)
    | {A_BLIP, WP_DOC_PR, PIC_NV_PR, V_NS + "imagedata", V_NS + "shape", V_NS + "textpath"}
)


def _symbol(sym: lxml.etree._Element) -> str:
    """The text of a w:sym: a symbol-font star as ★, a Symbol-font character as itself."""
    font = (sym.get(W + "font") or "").strip().lower()
    try:
        code = int(sym.get(W + "char") or "", 16)
    except ValueError:
        return ""
    if code >= 0xF000:
        code -= 0xF000  # symbol fonts live in the private-use area F0xx
    if code in _STAR_SYMBOLS.get(font, ()):
        return "★"
    if font == "symbol" and 0x20 < code < 0x7F:
        return "*" if code == 0x2A else chr(code)
    return ""


def _close(cur: list[str], pieces: list[str], last_end: int, body_len: int) -> int:
    """Finish an ins/del element: merge with the previous piece when nothing visible lies
    between them. Returns the new ``last_end``."""
    text = "".join(cur)
    cur.clear()
    if not text:
        return last_end
    if pieces and last_end == body_len:
        pieces[-1] += text
    else:
        pieces.append(text)
    return body_len


def _drawing(el: lxml.etree._Element, st: _Para) -> None:
    """Text boxes, pictures (a:blip, VML v:imagedata) and alternative text (descr/title)
    inside a drawing or VML picture; of mc:AlternateContent only one branch."""
    tag = el.tag
    if tag == TXBX:
        st.boxes.append(el)  # its paragraphs are walked as a text box of their own
        return
    if tag == ALT:
        branch = _choose(el)
        if branch is not None:
            _drawing(branch, st)
        return
    if not isinstance(tag, str):
        return
    if tag == A_BLIP:
        rid = el.get(R_NS + "embed")
        if rid:
            st.pictures.append(rid)
    elif tag == V_NS + "imagedata":
        rid = el.get(R_NS + "id")
        if rid:
            st.pictures.append(rid)
        st.alts.extend(("alt_text", t) for t in (el.get(O_TITLE) or "",) if t.strip())
    elif tag in (WP_DOC_PR, PIC_NV_PR):
        pair = (el.get("descr") or "", el.get("title") or "")
        st.alts.extend(("alt_text", t) for t in pair if t.strip())
    elif tag == V_NS + "shape":
        st.alts.extend(("alt_text", t) for t in (el.get("alt") or "",) if t.strip())
    elif tag == V_NS + "textpath":  # WordArt, and the text watermark of 设计→水印
        st.alts.extend(("watermark", t) for t in (el.get("string") or "",) if t.strip())
    for child in el:
        _drawing(child, st)


def _rows(tbl: lxml.etree._Element) -> list[lxml.etree._Element]:
    out: list[lxml.etree._Element] = []
    for child in tbl:
        if child.tag == TR:
            out.append(child)
        elif isinstance(child.tag, str) and child.tag not in _SKIP and child.tag != TBL:
            out.extend(_rows(child))  # rows wrapped in w:sdt/w:customXml
    return out


def _cells(tr: lxml.etree._Element) -> list[lxml.etree._Element]:
    out: list[lxml.etree._Element] = []
    for child in tr:
        if child.tag == TC:
            out.append(child)
        elif isinstance(child.tag, str) and child.tag not in _SKIP and child.tag != TBL:
            out.extend(_cells(child))
    return out


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _host_field(loc: Location) -> str | None:
    """For residue found outside the body: which part it came from."""
    if loc.part == "body":
        return loc.field
    return f"{loc.part}:{loc.field}" if loc.field else loc.part


def _row_segment(
    cells: list[tuple[int, str]],
    row: int,
    part: str,
    table: int,
    field: str | None,
    hosts: dict[int, Location],
) -> Segment | None:
    """A Word table row: cells located by table number (paragraph), row and col (no A1) —
    the cells' own host locations (``hosts``: column → the same Location)."""
    return row_segment(
        cells, Location(part=part, paragraph=table, row=row, field=field), hosts.__getitem__
    )


# --- package ------------------------------------------------------------------------------
class _Package:
    def __init__(self, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.zf = zf
        self.limits = limits
        self.names = set(zf.namelist())
        self._rels: dict[str, list[tuple[str, str, str]]] = {}

    def xml(self, name: str) -> lxml.etree._Element | None:
        data = read_member(self.zf, name, self.limits)
        if data is None:
            return None
        return parse_xml(data, name)

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type suffix, target part name) of a part's internal relationships."""
        if part not in self._rels:
            self._rels[part] = self._read_rels(part)
        return self._rels[part]

    def _read_rels(self, part: str) -> list[tuple[str, str, str]]:
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        if root is None:
            return []
        out = []
        for rel in root.iter(PKG_REL + "Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            if target.startswith("/"):
                name = target.lstrip("/")
            else:
                name = posixpath.normpath(posixpath.join(folder, target))
            out.append((rel.get("Id") or "", (rel.get("Type") or "").rsplit("/", 1)[-1], name))
        return out

    def main_part(self) -> str:
        for _id, kind, name in self.rels(""):
            if kind == "officeDocument" and name in self.names:
                return name
        if "word/document.xml" in self.names:
            return "word/document.xml"
        raise CorruptFile("不是有效的 Word 文档（缺少 word/document.xml）")


def _hidden_styles(pkg: _Package, name: str | None) -> tuple[set[str], set[str]]:
    """Character and paragraph style ids whose run properties hide the text (w:vanish)."""
    data = read_member(pkg.zf, name, pkg.limits) if name else None
    if not data or b"vanish" not in data:  # the common case: skip parsing styles.xml
        return set(), set()
    styles = parse_xml(data, name or "")
    defs: dict[str, tuple[str, str | None, bool | None]] = {}
    for style in styles.iter(W + "style"):
        sid = style.get(W + "styleId")
        if not sid:
            continue
        based = style.find(W + "basedOn")
        rpr = style.find(W + "rPr")
        vanish = rpr.find(W + "vanish") if rpr is not None else None
        defs[sid] = (
            style.get(W + "type") or "paragraph",
            based.get(W + "val") if based is not None else None,
            _on(vanish) if vanish is not None else None,
        )

    def hides(sid: str, seen: frozenset[str] = frozenset()) -> bool:
        entry = defs.get(sid)
        if entry is None or sid in seen:
            return False
        if entry[2] is not None:
            return entry[2]
        return hides(entry[1], seen | {sid}) if entry[1] else False

    chars = {sid for sid, d in defs.items() if d[0] == "character" and hides(sid)}
    paras = {sid for sid, d in defs.items() if d[0] == "paragraph" and hides(sid)}
    return chars, paras


_KIND_ZH = {"first": "首页", "even": "偶数页", "default": ""}


def _header_parts(
    body: lxml.etree._Element, pkg: _Package, main: str
) -> list[tuple[str, str, str]]:
    """(part kind header|footer, part name, label) in section order, each part once."""
    by_id = {rid: (kind, name) for rid, kind, name in pkg.rels(main)}
    seen: dict[str, tuple[str, str]] = {}
    for n, sect in enumerate(body.iter(W + "sectPr"), start=1):
        for ref in sect:
            if ref.tag not in (W + "headerReference", W + "footerReference"):
                continue
            target = by_id.get(ref.get(R_NS + "id") or "")
            if target is None or target[1] in seen:
                continue
            label = f"第{n}节{_KIND_ZH.get(ref.get(W + 'type') or 'default', '')}"
            seen[target[1]] = (target[0], label)
    # Header/footer parts no section points at still carry text a reader can recover.
    for _rid, kind, name in pkg.rels(main):
        if kind in ("header", "footer") and name not in seen:
            seen[name] = (kind, "未引用")
    return [(kind, name, label) for name, (kind, label) in seen.items() if name in pkg.names]


def extract(data: bytes, path: str, limits: Limits) -> Document:
    return _extract(data, path, limits, depth=0)


def _extract(data: bytes, path: str, limits: Limits, depth: int) -> Document:
    zf = open_package(data, limits)
    try:
        check_all_xml(zf, limits)
        return _read(_Package(zf, limits), path, depth)
    except zlib.error as e:
        raise CorruptFile(f"文档已损坏，压缩数据无法解开（{e}）") from e
    except RecursionError as e:
        raise CorruptFile("文档结构嵌套过深，无法处理") from e
    finally:
        zf.close()


def _read(pkg: _Package, path: str, depth: int) -> Document:
    main = pkg.main_part()
    root = pkg.xml(main)
    body = root.find(W + "body") if root is not None else None
    if body is None:
        raise CorruptFile("不是有效的 Word 文档（word/document.xml 中没有正文 w:body）")
    rels = pkg.rels(main)
    styles_name = next((name for _i, kind, name in rels if kind == "styles"), None)
    chars, paras = _hidden_styles(pkg, styles_name)
    walker = _Walker(chars, paras)

    doc = Document(path=path, format="docx")
    body_paras = [0]
    walker.part_name = main
    walker.blocks(body, "body", body_paras, doc.segments.append)

    headers = _header_parts(body, pkg, main)
    counts = {"header": sum(k == "header" for k, _n, _l in headers)}
    counts["footer"] = len(headers) - counts["header"]
    for kind, name, label in headers:
        part_root = pkg.xml(name)
        walker.part_name = name
        if part_root is not None:
            field = label if counts[kind] > 1 else None
            walker.blocks(part_root, kind, [0], doc.segments.append, field)

    note_paras = [0]
    for kind, zh in (("footnotes", "脚注"), ("endnotes", "尾注")):
        note_part = next((n for _i, k, n in rels if k == kind), None)
        notes = pkg.xml(note_part) if note_part else None
        if notes is None or note_part is None:
            continue
        walker.part_name = note_part
        number = 0
        for note in notes:
            if note.tag not in (W + "footnote", W + "endnote"):
                continue
            if note.get(W + "type") in _NOTE_SKIP_TYPES:
                continue
            number += 1
            walker.blocks(note, "footnote", note_paras, doc.segments.append, f"{zh}{number}")

    comments = _comments(pkg, rels, walker, doc)
    _revisions(walker, doc)
    doc.segments.extend(walker.hidden)
    if walker.hidden:
        doc.residue.append(
            ResidueNote(
                "hidden_text",
                f"文档含隐藏文字（{len(walker.hidden)} 处），打印和阅读时看不到，但文件中仍然存在；"
                "请在“文件-信息-检查文档”中删除隐藏文字，或取消隐藏后审查",
                Location(part="hidden"),
                len(walker.hidden),
                sample=walker.hidden[0].text,
            )
        )

    add_property_segments(doc, read_properties(pkg.zf, pkg.limits))
    add_custom_xml(doc, pkg.zf, pkg.limits)
    add_image_notes(
        doc,
        (
            (n, read_member(pkg.zf, n, pkg.limits) or b"")
            for n in sorted(pkg.names)
            if n.startswith("word/media/") and n.lower().endswith(IMAGE_SUFFIXES)
        ),
    )
    read_pictures(doc, _pictures(pkg, walker), pkg.limits, "文档")

    _embedded(pkg, path, depth, doc)
    doc.facts.update(
        paragraphs=body_paras[0],
        tables=walker.tables,
        comments=comments,
        images=sum(1 for n in pkg.names if n.startswith("word/media/") and not n.endswith("/")),
    )
    return doc


def _pictures(pkg: _Package, walker: _Walker) -> Iterator[Picture]:
    """Every picture in the package for OCR: those placed in the text first (located at
    their host paragraph), then any other in word/media (glossary, unplaced)."""
    placed: set[str] = set()
    for part, rid, host in walker.pictures:
        target = next((n for i, k, n in pkg.rels(part) if i == rid and k == "image"), None)
        if target is None or target in placed or target not in pkg.names:
            continue
        placed.add(target)
        data = read_member(pkg.zf, target, pkg.limits)
        if data:
            name = posixpath.basename(target)
            where = host.field or host.part != "body"
            field = f"{_host_field(host)}:{name}" if where else name
            yield Picture(name, data, host.with_(part="ocr", field=field))
    for target in sorted(pkg.names):
        if target.startswith("word/media/") and target not in placed and not target.endswith("/"):
            data = read_member(pkg.zf, target, pkg.limits)
            if data:
                yield Picture(posixpath.basename(target), data)


def _comments(
    pkg: _Package, rels: list[tuple[str, str, str]], walker: _Walker, doc: Document
) -> int:
    name = next((n for _i, k, n in rels if k == "comments"), None)
    root = pkg.xml(name) if name else None
    if root is None:
        return 0
    done = _resolved_comment_paras(pkg, rels)
    walker.part_name = name or ""
    count = 0
    resolved = 0
    samples: list[str] = []
    people: list[str] = []
    for comment in root.iter(W + "comment"):
        count += 1
        author = (comment.get(W + "author") or "").strip()
        date = (comment.get(W + "date") or "").strip()
        if author and author not in people:
            people.append(author)
        parts: list[Segment] = []
        walker.blocks(comment, "comment", [0], parts.append)
        text = "\n".join(s.text for s in parts)
        para_ids = {p.get(W14_PARA_ID) for p in comment.iter(P)}
        if para_ids & done:
            resolved += 1
        who = "，".join(x for x in (f"作者：{author}" if author else "", date) if x)
        if text.strip():
            doc.segments.append(
                Segment(text, Location(part="comment", paragraph=count, field=who or None))
            )
            if len(samples) < 1:
                samples.append(f"{author}：{text}" if author else text)
    if count:
        extra = f"，其中 {resolved} 条已标记为“已解决”但仍保存在文件中" if resolved else ""
        by = f"批注人：{'、'.join(people[:3])}；" if people else ""
        doc.residue.append(
            ResidueNote(
                "comments",
                f"文档含批注（{count} 条{extra}），{by}请删除全部批注后再提交",
                Location(part="comment"),
                count,
                sample=samples[0] if samples else "",
            )
        )
    return count


W14_PARA_ID = "{http://schemas.microsoft.com/office/word/2010/wordml}paraId"


def _resolved_comment_paras(pkg: _Package, rels: list[tuple[str, str, str]]) -> set[str]:
    """paraIds of comments marked done in word/commentsExtended.xml (Word 2013+)."""
    name = next((n for _i, k, n in rels if k == "commentsExtended"), None)
    root = pkg.xml(name) if name else None
    if root is None:
        return set()
    return {
        ex.get(W15 + "paraId") or ""
        for ex in root.iter(W15 + "commentEx")
        if ex.get(W15 + "done") in ("1", "true")
    }


def _revisions(walker: _Walker, doc: Document) -> None:
    if not walker.revisions:
        return
    inserted = deleted = 0
    sample = ""
    for rev in walker.revisions:
        if rev.kind == "revision_insert":
            inserted += 1
        else:
            deleted += 1
            sample = sample or rev.text
        doc.segments.append(
            Segment(rev.text, rev.host.with_(part=rev.kind, field=_host_field(rev.host)))
        )
    by = f"修订人：{'、'.join(walker.authors[:3])}；" if walker.authors else ""
    counts = "，".join(
        f"{label} {n} 处" for label, n in (("插入", inserted), ("删除", deleted)) if n
    )
    kept = "删除的文字仍保存在文件中；" if deleted else ""
    doc.residue.append(
        ResidueNote(
            "revisions",
            f"文档含未接受的修订（{counts}），{kept}{by}请接受或拒绝全部修订后再提交",
            Location(part="revision_delete" if deleted else "revision_insert"),
            inserted + deleted,
            sample=sample or walker.revisions[0].text,
        )
    )


_EMBED_DOCX = (".docx", ".docm", ".dotx", ".dotm")
_EMBED_XLSX = (".xlsx", ".xlsm", ".xltx", ".xltm")
_EMBED_HTML = (".htm", ".html", ".txt")  # w:altChunk parts


def _embedded(pkg: _Package, path: str, depth: int, doc: Document) -> None:
    names = sorted(n for n in pkg.names if n.startswith("word/embeddings/") and not n.endswith("/"))
    # w:altChunk: a whole HTML/RTF/DOCX file Word renders in place of the chunk.
    names += sorted(
        name
        for _i, kind, name in pkg.rels(pkg.main_part())
        if kind == "aFChunk" and name in pkg.names and name not in names
    )
    if not names:
        return
    read_ok: list[str] = []
    not_read: list[str] = []
    for name in names:
        base = posixpath.basename(name)
        lower = base.lower()
        if not lower.endswith(_EMBED_DOCX + _EMBED_XLSX + _EMBED_HTML):
            not_read.append(base)
            continue
        if depth + 1 > MAX_EMBED_DEPTH:
            not_read.append(f"{base}（嵌套过深）")
            continue
        try:
            inner = _extract_embedded(pkg, name, lower, path, depth)
        except InputError as e:
            not_read.append(f"{base}（{e.message}）")
            continue
        if inner is None:
            not_read.append(f"{base}（缺少 XLSX 解析模块）")
            continue
        read_ok.append(base)
        _merge_embedded(doc, inner, base)
    parts: list[str] = []
    if read_ok:
        parts.append(f"已一并审查：{'、'.join(read_ok)}")
    if not_read:
        parts.append(f"无法自动审查，请人工检查：{'、'.join(not_read)}")
    doc.residue.append(
        ResidueNote(
            "embedded",
            f"文档内嵌 {len(names)} 个文件（{'；'.join(parts)}）；嵌入对象的全部内容会随文档公开，"
            "不需要的请删除嵌入对象后再提交",
            Location(part="body", field="embedded"),
            len(names),
            sample="、".join(posixpath.basename(n) for n in names),
        )
    )
    doc.facts["embedded"] = [posixpath.basename(n) for n in names]


def _extract_embedded(
    pkg: _Package, name: str, lower: str, path: str, depth: int
) -> Document | None:
    data = read_member(pkg.zf, name, pkg.limits)
    if not data:
        raise CorruptFile("内容为空")
    inner_path = f"{path}!{name}"
    if lower.endswith(_EMBED_DOCX):
        return _extract(data, inner_path, pkg.limits, depth + 1)
    if lower.endswith(_EMBED_HTML):
        from secreview.extract import html, text

        module = html if lower.endswith((".htm", ".html")) else text
        return module.extract(data, inner_path, pkg.limits)  # type: ignore[no-any-return]
    try:
        from secreview.extract import xlsx
    except ImportError:
        log.info("secreview.extract.xlsx not available; embedded %s not read", name)
        return None
    inner: Document = xlsx.extract(data, inner_path, pkg.limits)
    return inner


def _merge_embedded(doc: Document, inner: Document, base: str) -> None:
    tag = f"embedded:{base}"

    def relocate(loc: Location) -> Location:
        return loc.with_(field=f"{tag}|{loc.field}" if loc.field else tag)

    for seg in inner.segments:
        doc.segments.append(
            Segment(
                seg.text,
                relocate(seg.location),
                tuple(Span(s.start, s.end, relocate(s.location)) for s in seg.spans),
            )
        )
    for note in inner.residue:
        doc.residue.append(
            ResidueNote(
                note.kind,
                f"嵌入文件「{base}」：{note.message}",
                relocate(note.location),
                note.count,
                note.severity,
                note.sample,
            )
        )

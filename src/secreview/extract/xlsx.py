"""XLSX: every non-empty cell located as sheet!A1, one segment per row; plus the residue.

Cell values come from openpyxl's read-only reader (shared strings, styles, date formats) and
its row decoder, fed by an lxml streaming parse that in the same pass gives the row/column
attributes read-only mode otherwise drops (hidden rows and columns). Comments, defined names and theme
colours are read from the package XML with lxml, after ``safezip`` has refused bombs and DTDs.

Residue (each piece its own segments and one ``ResidueNote`` per kind):

- hidden / very-hidden sheets → part ``hidden`` (kind ``hidden_sheets``)
- hidden rows and columns, font colour equal to the fill colour, ``;;;`` number formats
  → part ``hidden`` (kind ``hidden_cells``)
- cell comments/notes → part ``comment`` (kind ``comments``)
- defined names holding text constants → part ``metadata``, field ``definedName:NAME``
  (kind ``defined_names``)
- document properties → part ``metadata`` (kind ``metadata``, see ``ooxml_props``)
"""

from __future__ import annotations

import colorsys
import datetime as dt
import logging
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import coordinate_to_tuple

from secreview.config import Limits
from secreview.errors import CorruptFile, SecreviewError, TooLarge
from secreview.extract.image import Picture, read_pictures
from secreview.extract.image_meta import IMAGE_SUFFIXES, add_image_notes
from secreview.extract.ooxml_props import add_custom_xml, add_property_segments, read_properties
from secreview.extract.safezip import check_all_xml, open_package, parse_xml, read_member
from secreview.extract.tabular import sheet_row_segment
from secreview.model import Document, Location, ResidueNote, Segment

log = logging.getLogger(__name__)

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DRAW_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"

# Office 2007+ default theme when a workbook has none: dk1, lt1, dk2, lt2, accent1-6, hlink, fol.
_DEFAULT_THEME = [
    "000000",
    "FFFFFF",
    "44546A",
    "E7E6E6",
    "4472C4",
    "ED7D31",
    "A5A5A5",
    "FFC000",
    "5B9BD5",
    "70AD47",
    "0563C1",
    "954F72",
]
# Two colours closer than this in every channel (0–255) read as the same: text is invisible.
_SAME_COLOUR_TOLERANCE = 16
_TRUE = ("1", "true")


def render_value(value: Any) -> str | None:
    """The text a cell holds as stored: integers without ".0"/exponent, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


# ---------------------------------------------------------------- colours


def _theme_colours(theme_xml: bytes | None) -> list[str]:
    """Theme colours in Excel's index order (0 = lt1, 1 = dk1, 2 = lt2, 3 = dk2, 4.. accents)."""
    colours = list(_DEFAULT_THEME)
    if theme_xml:
        try:
            root = parse_xml(theme_xml, "xl/theme/theme1.xml")
        except CorruptFile:
            root = None
        scheme = root.find(f".//{{{_DRAW_NS}}}clrScheme") if root is not None else None
        if scheme is not None:
            found: list[str] = []
            for slot in scheme:
                val = None
                for child in slot:
                    val = child.get("lastClr") or child.get("val")
                if val and re.fullmatch(r"[0-9A-Fa-f]{6}", val):
                    found.append(val.upper())
                else:
                    found.append("")
            for i, val in enumerate(found[: len(colours)]):
                if val:
                    colours[i] = val
    colours[0], colours[1] = colours[1], colours[0]
    colours[2], colours[3] = colours[3], colours[2]
    return colours


def _apply_tint(rgb: str, tint: float) -> str:
    if not tint:
        return rgb
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, l_, s = colorsys.rgb_to_hls(r, g, b)
    l_ = l_ * (1 + tint) if tint < 0 else l_ * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(l_, 0.0), 1.0), s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))


@dataclass
class _Palette:
    theme: list[str]
    indexed: list[str]

    def resolve(self, colour: Any, default: str | None) -> str | None:
        """An openpyxl Color → "RRGGBB", ``default`` when unset/automatic, None if unknown."""
        if colour is None:
            return default
        kind = getattr(colour, "type", None)
        try:
            if kind == "rgb":
                rgb = str(colour.rgb)
                if not re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", rgb):
                    return default
                base = rgb[-6:].upper()
            elif kind == "theme":
                base = self.theme[int(colour.theme)]
            elif kind == "indexed":
                idx = int(colour.indexed)
                if idx == 64:  # system foreground
                    return default
                if idx == 65:  # system background
                    return "FFFFFF"
                base = self.indexed[idx][-6:].upper()
            else:  # auto
                return default
        except (IndexError, ValueError, TypeError):
            return None
        return _apply_tint(base, float(getattr(colour, "tint", 0.0) or 0.0))


def _same_colour(a: str, b: str) -> bool:
    return all(
        abs(int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) <= _SAME_COLOUR_TOLERANCE
        for i in (0, 2, 4)
    )


class _StyleInfo:
    """Per style id: does the cell's formatting make its text invisible?"""

    def __init__(self, wb: Any, palette: _Palette) -> None:
        self.wb = wb
        self.palette = palette
        self.cache: dict[int, tuple[bool, str]] = {}

    def _compute(self, style_id: int) -> tuple[bool, str]:
        """(text invisible by colour, number format)."""
        wb = self.wb
        try:
            style = wb._cell_styles[style_id]
            font = wb._fonts[style.fontId]
            fill = wb._fills[style.fillId]
        except (IndexError, AttributeError, TypeError):
            return False, "General"
        fmt = "General"
        try:
            num_id = style.numFmtId
            from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

            if num_id < BUILTIN_FORMATS_MAX_SIZE:
                fmt = BUILTIN_FORMATS.get(num_id, "General")
            else:
                fmt = wb._number_formats[num_id - BUILTIN_FORMATS_MAX_SIZE]
        except (IndexError, AttributeError, TypeError):
            pass
        pattern = getattr(fill, "patternType", None)
        if pattern is None and getattr(fill, "fill_type", None) is None:
            background: str | None = "FFFFFF"
        elif pattern == "solid":
            background = self.palette.resolve(getattr(fill, "fgColor", None), None)
        else:
            background = None  # patterned or gradient fill: not judged
        text = self.palette.resolve(getattr(font, "color", None), "000000")
        invisible = background is not None and text is not None and _same_colour(text, background)
        return invisible, fmt

    def hides(self, style_id: int, value: Any) -> bool:
        got = self.cache.get(style_id)
        if got is None:
            got = self._compute(style_id)
            self.cache[style_id] = got
        invisible, fmt = got
        if invisible:
            return True
        sections = fmt.split(";")
        if len(sections) >= 4 and not "".join(sections[:4]).strip():
            return True  # ";;;" shows nothing at all
        if (
            isinstance(value, int | float)
            and len(sections) >= 3
            and not "".join(sections[:3]).strip()
        ):
            return True  # ";;" hides numbers
        return False


# ---------------------------------------------------------------- package parts


def _rels_of(zf: zipfile.ZipFile, part: str, limits: Limits) -> list[tuple[str, str]]:
    """(type, absolute target) of a part's relationships."""
    return [(rel.get("Type") or "", path) for rel, path in _rel_elements(zf, part, limits)]


def _workbook_part(zf: zipfile.ZipFile, limits: Limits) -> str:
    for rel_type, target in _rels_of(zf, "", limits):
        if rel_type.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def _comments(zf: zipfile.ZipFile, sheet_part: str, limits: Limits) -> list[tuple[str, str]]:
    """(cell ref, text) of a sheet's comments/notes."""
    out: list[tuple[str, str]] = []
    for rel_type, target in _rels_of(zf, sheet_part, limits):
        if not rel_type.endswith("/comments"):
            continue
        data = read_member(zf, target, limits)
        if data is None:
            continue
        root = parse_xml(data, target)
        for comment in root.iter(f"{{{_MAIN_NS}}}comment"):
            ref = (comment.get("ref") or "").split(":")[0]
            text = "".join(t.text or "" for t in comment.iter(f"{{{_MAIN_NS}}}t")).strip()
            if ref and text:
                out.append((ref, text))
    return out


_STRING_LITERAL = re.compile(r'"((?:[^"]|"")*)"')


def _defined_name_texts(zf: zipfile.ZipFile, limits: Limits) -> list[tuple[str, str]]:
    """(name, text) for defined names whose formula holds text constants; built-ins skipped."""
    part = _workbook_part(zf, limits)
    data = read_member(zf, part, limits)
    if data is None:
        return []
    out: list[tuple[str, str]] = []
    for dn in parse_xml(data, part).iter(f"{{{_MAIN_NS}}}definedName"):
        name = dn.get("name") or ""
        if not name or name.startswith("_xlnm.") or name.startswith("_xl"):
            continue
        literals = [m.group(1).replace('""', '"') for m in _STRING_LITERAL.finditer(dn.text or "")]
        text = "\t".join(s.strip() for s in literals if s.strip())
        if text:
            out.append((name, text))
    return out


# ---------------------------------------------------------------- sheets


@dataclass
class _Found:
    hidden_sheets: list[tuple[str, str]] = field(default_factory=list)  # (name, state)
    hidden_cells: list[Location] = field(default_factory=list)
    hidden_sample: str = ""
    comments: list[Location] = field(default_factory=list)
    comment_sample: str = ""
    cells: int = 0
    pictures: list[Picture] = field(default_factory=list)


def _hidden_columns(column_dimensions: dict[str, dict[str, str]]) -> set[int]:
    hidden: set[int] = set()
    for attrs in column_dimensions.values():
        width = attrs.get("width")
        zero_width = False
        if width is not None:
            try:
                zero_width = float(width) == 0.0
            except ValueError:
                zero_width = False
        if attrs.get("hidden") in _TRUE or zero_width:
            try:
                lo, hi = int(attrs["min"]), int(attrs.get("max", attrs["min"]))
            except (KeyError, ValueError):
                continue
            hidden.update(range(lo, min(hi, 16384) + 1))
    return hidden


def _row_hidden(attrs: dict[str, str] | None, zero_height_default: bool) -> bool:
    if attrs is None:
        return zero_height_default
    if attrs.get("hidden") in _TRUE:
        return True
    ht = attrs.get("ht")
    if ht is not None:
        try:
            return float(ht) == 0.0
        except ValueError:
            return False
    return zero_height_default


_ROW_TAG = f"{{{_MAIN_NS}}}row"
_COL_TAG = f"{{{_MAIN_NS}}}col"
_FORMAT_TAG = f"{{{_MAIN_NS}}}sheetFormatPr"
_HEADER_FOOTER_TAG = f"{{{_MAIN_NS}}}headerFooter"

# Print header/footer codes (ECMA-376 §18.3.1.46): &L &C &R start a section; &"font,style",
# &K colour, &NN size and &P/&N/&D/&T/&F/&A/&Z/&G fields and &B/&I/&U/&E/&S/&X/&Y/&O/&H
# toggles carry no text; && is a literal "&".
_HF_CODE = re.compile(
    r'&&|&"[^"]*"|&K(?:[0-9A-Fa-f]{6}|\d{2}[+-]\d{3})|&\d+|&[LCR]|&[PNDTFAZGBIUESXYOH]'
)
_HF_KINDS = {
    "oddHeader": ("header", "页眉"),
    "evenHeader": ("header", "偶数页页眉"),
    "firstHeader": ("header", "首页页眉"),
    "oddFooter": ("footer", "页脚"),
    "evenFooter": ("footer", "偶数页页脚"),
    "firstFooter": ("footer", "首页页脚"),
}


def header_footer_sections(code: str) -> list[str]:
    """The text sections (left, centre, right) of a print header/footer string."""

    def sub(m: re.Match[str]) -> str:
        token = m.group()
        if token == "&&":
            return "&"
        return "\n" if token in ("&L", "&C", "&R") else ""

    return [line.strip() for line in _HF_CODE.sub(sub, code).split("\n") if line.strip()]


@dataclass
class _Sheet:
    name: str
    state: str  # visible | hidden | veryHidden
    part: str  # path of the worksheet XML in the package


def _rows(src: Any, parser: Any, headers: list[tuple[str, str]] | None = None) -> Any:
    """(row number, cells, row attributes, hidden columns, zeroHeight) for each <row>.

    openpyxl's own loop uses defusedxml's pure-Python tree builder (slow); lxml's iterparse
    without DTD loading or entity resolution is safe and several times faster, and openpyxl's
    ``parse_row`` still reads the row (with the faster ``parse_cell`` of ``_cell_parser``).
    """
    import lxml.etree

    hidden_cols: set[int] = set()
    zero_height = False
    for _, el in lxml.etree.iterparse(
        src,
        events=("end",),
        tag=(_ROW_TAG, _COL_TAG, _FORMAT_TAG, _HEADER_FOOTER_TAG),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    ):
        if el.tag == _ROW_TAG:
            idx, cells = parser.parse_row(el)
            attrs = parser.row_dimensions.pop(str(idx), None)
            yield idx, cells, attrs, hidden_cols, zero_height
        elif el.tag == _COL_TAG:
            hidden_cols |= _hidden_columns({"c": dict(el.attrib)})
        elif el.tag == _HEADER_FOOTER_TAG:
            if headers is not None:
                for child in el:
                    if isinstance(child.tag, str) and child.text:
                        headers.append((child.tag.rsplit("}", 1)[-1], child.text))
        else:
            zero_height = el.get("zeroHeight") in _TRUE
        el.clear()
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]


_CELL_V_TAG = f"{{{_MAIN_NS}}}v"
_CELL_IS_TAG = f"{{{_MAIN_NS}}}is"
_CELL_T_TAG = f"{{{_MAIN_NS}}}t"


def _cell_parser(src: Any, reader: Any) -> Any:
    """openpyxl's ``WorkSheetParser`` (values only, no formulas) with a faster ``parse_cell``.

    openpyxl builds a ``Text`` object through its generic ``from_tree`` for every inline
    string and looks the value up with ElementPath; here the common shapes are decoded
    directly with the same helpers (``_cast_number``, ``from_excel``, ``from_ISO8601``,
    ``coordinate_to_tuple``) and anything unusual goes to openpyxl's own ``parse_cell``, so
    every cell decodes to exactly what openpyxl gives (tests/test_xlsx_decode.py).
    """
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import WorkSheetParser, _cast_number

    wb = reader.wb

    class _Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            # The same steps in the same order as openpyxl (so a bad file fails the same way).
            get = element.get
            data_type = get("t", "n")
            value: Any = None
            inline: Any = None
            if data_type == "inlineStr":
                inline = element.find(_CELL_IS_TAG)
                if inline is not None and (
                    len(inline) != 1 or inline.attrib or inline[0].tag != _CELL_T_TAG
                ):
                    return super().parse_cell(element)  # rich runs, phonetics, attributes
            else:
                for sub in element:
                    if sub.tag == _CELL_V_TAG:
                        value = sub.text or None
                        break
            style_id = get("s", 0)
            if style_id:
                style_id = int(style_id)
            coordinate = get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            if value is not None:
                if data_type == "n":
                    value = _cast_number(value)
                    if style_id in self.date_formats:
                        data_type = "d"
                        try:
                            value = from_excel(
                                value, self.epoch, timedelta=style_id in self.timedelta_formats
                            )
                        except (OverflowError, ValueError):
                            data_type = "e"  # openpyxl warns and makes it an error cell
                            value = "#VALUE!"
                elif data_type == "s":
                    value = self.shared_strings[int(value)]
                elif data_type == "b":
                    value = bool(int(value))
                elif data_type == "str":
                    data_type = "s"
                elif data_type == "d":
                    value = from_ISO8601(value)
            elif inline is not None:
                data_type = "s"
                value = inline[0].text or ""
            return {
                "row": row,
                "column": column,
                "value": value,
                "data_type": data_type,
                "style_id": style_id,
            }

    return _Parser(
        src,
        reader.shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )


def _read_sheet(
    sheet: _Sheet,
    reader: Any,
    styles: _StyleInfo,
    doc: Document,
    found: _Found,
    limits: Limits,
) -> None:
    name = sheet.name
    sheet_hidden = sheet.state in ("hidden", "veryHidden")
    headers: list[tuple[str, str]] = []
    with reader.archive.open(sheet.part) as src:
        parser = _cell_parser(src, reader)
        for idx, cells, row_attrs, hidden_cols, zero_height in _rows(src, parser, headers):
            found.cells += len(cells)
            if found.cells > limits.max_xlsx_cells:
                raise TooLarge(
                    f"表格单元格过多（超过 {limits.max_xlsx_cells} 个），请拆分工作簿后提交"
                )
            if not cells:
                continue
            row_hidden = sheet_hidden or _row_hidden(row_attrs, zero_height)
            shown: list[tuple[int, str]] = []
            hidden: list[tuple[int, str]] = []
            for cell in cells:
                if cell["data_type"] == "e":
                    continue
                text = render_value(cell["value"])
                if text is None or not text.strip():
                    continue
                col = cell["column"]
                if (
                    row_hidden
                    or col in hidden_cols
                    or styles.hides(cell["style_id"] or 0, cell["value"])
                ):
                    hidden.append((col, text))
                else:
                    shown.append((col, text))
            seg = sheet_row_segment(shown, idx, sheet=name, part="sheet")
            if seg is not None:
                doc.segments.append(seg)
            seg = sheet_row_segment(hidden, idx, sheet=name, part="hidden")
            if seg is not None:
                doc.segments.append(seg)
                if not sheet_hidden:
                    found.hidden_cells.extend(span.location for span in seg.spans)
                    found.hidden_sample = found.hidden_sample or seg.text
    # Print headers/footers: on every printed page, and where a marking may stand alone.
    for kind, code in headers:
        part, label = _HF_KINDS.get(kind, ("header", kind))
        if sheet_hidden:
            part = "hidden"
        for k, text in enumerate(header_footer_sections(code), start=1):
            doc.segments.append(
                Segment(text, Location(part=part, sheet=name, paragraph=k, field=label))
            )


_XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
_A = f"{{{_DRAW_NS}}}"
_C_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_ANCHORS = (_XDR + "twoCellAnchor", _XDR + "oneCellAnchor", _XDR + "absoluteAnchor")


def _anchor_cell(anchor: Any) -> str | None:
    """The cell a drawing's top-left corner sits on (xdr:from, 0-based col/row) as A1."""
    start = anchor.find(_XDR + "from")
    if start is None:
        return None
    try:
        col = int(start.findtext(_XDR + "col") or "")
        row = int(start.findtext(_XDR + "row") or "")
    except ValueError:
        return None
    from openpyxl.utils.cell import get_column_letter

    return f"{get_column_letter(min(col, 16383) + 1)}{row + 1}" if col >= 0 and row >= 0 else None


def _drawing_text(el: Any) -> list[str]:
    out: list[str] = []
    for p in el.iter(_A + "p"):
        text = "".join(t.text or "" for t in p.iter(_A + "t"))
        if text.strip():
            out.append(text)
    return out


def _add_drawings(
    zf: zipfile.ZipFile, sheet: _Sheet, doc: Document, found: _Found, limits: Limits
) -> None:
    """Shapes placed on a sheet (xl/drawings): text boxes and shapes' text (``textbox``),
    chart titles and labels, alternative text of pictures and shapes (``field`` alt_text),
    and the pictures themselves (for OCR), each at the cell it is anchored on."""
    hidden = sheet.state in ("hidden", "veryHidden")
    for rel_type, drawing in _rels_of(zf, sheet.part, limits):
        if not rel_type.endswith("/drawing"):
            continue
        data = read_member(zf, drawing, limits)
        if data is None:
            continue
        rels = {rel.get("Id") or "": target for rel, target in _rel_elements(zf, drawing, limits)}
        root = parse_xml(data, drawing)
        paragraph = 0
        for anchor in root:
            if anchor.tag not in _ANCHORS:
                continue
            cell = _anchor_cell(anchor)
            texts: list[str] = []
            for sp in anchor.iter(_XDR + "txBody"):
                texts += _drawing_text(sp)
            for ref in anchor.iter(_C_CHART):
                chart = rels.get(ref.get(_R_ID) or "")
                chart_xml = read_member(zf, chart, limits) if chart else None
                if chart_xml is not None and chart is not None:
                    texts += _drawing_text(parse_xml(chart_xml, chart))
            for text in dict.fromkeys(texts):
                paragraph += 1
                loc = Location(
                    part="hidden" if hidden else "textbox",
                    sheet=sheet.name,
                    cell=cell,
                    paragraph=paragraph,
                )
                doc.segments.append(Segment(text, loc))
            alts = [
                value
                for nv in anchor.iter(_XDR + "cNvPr")
                for value in (nv.get("descr") or "", nv.get("title") or "")
                if value.strip()
            ]
            for alt in dict.fromkeys(alts):
                part = "hidden" if hidden else "sheet"
                loc = Location(part=part, sheet=sheet.name, cell=cell, field="alt_text")
                doc.segments.append(Segment(alt, loc))
            for blip in anchor.iter(_A + "blip"):
                target = rels.get(blip.get(_R_EMBED) or "")
                picture = read_member(zf, target, limits) if target else None
                if picture and target:
                    where = Location(part="ocr", sheet=sheet.name, cell=cell)
                    found.pictures.append(Picture(posixpath.basename(target), picture, where))


def _rel_elements(zf: zipfile.ZipFile, part: str, limits: Limits) -> list[tuple[Any, str]]:
    """(Relationship element, absolute target) of a part's internal relationships."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
    data = read_member(zf, rels_path, limits)
    if data is None:
        return []
    out = []
    for rel in parse_xml(data, rels_path).iter(f"{{{_REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        out.append((rel, path))
    return out


def _add_comments(
    zf: zipfile.ZipFile, sheet: _Sheet, doc: Document, found: _Found, limits: Limits
) -> None:
    for ref, text in _comments(zf, sheet.part, limits):
        try:
            row, col = coordinate_to_tuple(ref)
        except (ValueError, TypeError):
            row = col = None  # type: ignore[assignment]
        loc = Location(part="comment", sheet=sheet.name, cell=ref, row=row, col=col)
        doc.segments.append(Segment(text, loc))
        found.comments.append(loc)
        found.comment_sample = found.comment_sample or text


def _refs(locs: list[Location], limit: int = 3) -> str:
    return "、".join(f"{loc.sheet}!{loc.cell}" for loc in locs[:limit]) + (
        " 等" if len(locs) > limit else ""
    )


def _residue_notes(doc: Document, found: _Found, names: list[tuple[str, str]]) -> None:
    if found.hidden_sheets:
        listed = "、".join(f"「{n}」" for n, _ in found.hidden_sheets)
        very = [n for n, state in found.hidden_sheets if state == "veryHidden"]
        extra = (
            f"（其中{'、'.join(f'「{n}」' for n in very)}为深度隐藏 veryHidden，"
            "在 Excel 界面中无法直接取消隐藏）"
            if very
            else ""
        )
        doc.residue.append(
            ResidueNote(
                "hidden_sheets",
                f"工作簿含隐藏工作表{listed}{extra}，请删除或取消隐藏后检查",
                Location(part="hidden", sheet=found.hidden_sheets[0][0]),
                count=len(found.hidden_sheets),
                sample=found.hidden_sheets[0][0],
            )
        )
    if found.hidden_cells:
        n = len(found.hidden_cells)
        doc.residue.append(
            ResidueNote(
                "hidden_cells",
                f"工作表含隐藏的内容（{n} 个单元格，如 {_refs(found.hidden_cells)}："
                "隐藏的行/列，或文字颜色与底色相同、格式为“;;;”），"
                "请删除这些内容或取消隐藏后检查",
                found.hidden_cells[0].with_(part="hidden"),
                count=n,
                sample=found.hidden_sample,
            )
        )
    if found.comments:
        n = len(found.comments)
        doc.residue.append(
            ResidueNote(
                "comments",
                f"工作簿含批注（{n} 条，如 {_refs(found.comments)}），读者打开文件即可看到，"
                "请删除批注后再发布（审阅→删除批注）",
                found.comments[0],
                count=n,
                sample=found.comment_sample,
            )
        )
    if names:
        listed = "、".join(n for n, _ in names[:3]) + (" 等" if len(names) > 3 else "")
        doc.residue.append(
            ResidueNote(
                "defined_names",
                f"工作簿的名称定义中含文字（{len(names)} 个：{listed}），"
                "读者在“公式→名称管理器”中可以看到，请删除这些名称后再发布",
                Location(part="metadata", field=f"definedName:{names[0][0]}"),
                count=len(names),
                sample=names[0][1],
            )
        )


def _open_workbook(data: bytes) -> tuple[Any, list[_Sheet]]:
    """openpyxl's reader up to the styles, and the worksheets in workbook order.

    ``load_workbook(read_only=True)`` would also parse every sheet once just to size it
    when it has no <dimension> element; the sheets are read once, by ``_read_sheet``.
    """
    import io

    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            _Sheet(sheet.name, sheet.state or "visible", rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in (rel.Type or "")
        ]
    except (SecreviewError, MemoryError, RecursionError):
        raise
    except Exception as e:  # openpyxl raises many kinds on malformed input
        raise CorruptFile(f"电子表格已损坏，无法读取（{type(e).__name__}: {e}）") from e
    return reader, sheets


def extract(data: bytes, path: str, limits: Limits) -> Document:
    zf = open_package(data, limits)
    try:
        check_all_xml(zf, limits)
        reader, sheets = _open_workbook(data)
        try:
            wb = reader.wb
            doc = Document(path=path, format="xlsx")
            palette = _Palette(
                theme=_theme_colours(getattr(wb, "loaded_theme", None)),
                indexed=list(_indexed_colours(wb)),
            )
            styles = _StyleInfo(wb, palette)
            found = _Found()
            for sheet in sheets:
                if sheet.state in ("hidden", "veryHidden"):
                    found.hidden_sheets.append((sheet.name, sheet.state))
                try:
                    _read_sheet(sheet, reader, styles, doc, found, limits)
                except (SecreviewError, MemoryError, RecursionError):
                    raise
                except Exception as e:  # malformed sheet XML, bad cell refs, bad numbers
                    raise CorruptFile(
                        f"工作表「{sheet.name}」已损坏，无法读取（{type(e).__name__}: {e}）"
                    ) from e
                _add_comments(zf, sheet, doc, found, limits)
                _add_drawings(zf, sheet, doc, found, limits)
            names = _defined_name_texts(zf, limits)
            for name, text in names:
                doc.segments.append(
                    Segment(text, Location(part="metadata", field=f"definedName:{name}"))
                )
            _residue_notes(doc, found, names)
            add_property_segments(doc, read_properties(zf, limits))
            add_custom_xml(doc, zf, limits)
            add_image_notes(
                doc,
                (
                    (n, read_member(zf, n, limits) or b"")
                    for n in sorted(zf.namelist())
                    if n.startswith("xl/media/") and n.lower().endswith(IMAGE_SUFFIXES)
                ),
            )
            read_pictures(doc, _all_pictures(zf, found, limits), limits, "工作簿")
            doc.facts["sheets"] = len(sheets)
            doc.facts["cells"] = found.cells
            return doc
        finally:
            reader.archive.close()
    finally:
        zf.close()


def _all_pictures(zf: zipfile.ZipFile, found: _Found, limits: Limits) -> list[Picture]:
    """Pictures placed on sheets, then any other in xl/media (header/footer pictures,
    pictures in cells, unplaced ones)."""
    out = list(found.pictures)
    placed = {p.name for p in out}
    for name in sorted(zf.namelist()):
        base = posixpath.basename(name)
        if name.startswith("xl/media/") and base and base not in placed:
            data = read_member(zf, name, limits)
            if data:
                out.append(Picture(base, data))
    return out


def _indexed_colours(wb: Any) -> list[str]:
    custom = getattr(wb, "_colors", None)
    if custom:
        return [str(c) for c in custom]
    from openpyxl.styles.colors import COLOR_INDEX

    return list(COLOR_INDEX)


__all__ = ["extract", "render_value"]

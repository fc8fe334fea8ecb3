"""One PDF page's drawing, in stream order: visible text, text under boxes, invisible text.

pdfplumber's ``page.chars``/``page.rects`` lists keep the order inside each kind but lose the
order *between* kinds, and pdfminer does not pass the text render mode (``Tr``) to the
characters it makes. Both matter for residue, so the page is interpreted here with a small
pdfminer device that stamps each character with its render mode; without layout analysis
(``laparams=None``) the device's objects come out in the order the content stream drew them,
which is the painting order.

Classification of every glyph (character):

- **covered** (failed redaction): at least ``COVER_RATIO`` of its box lies under a filled
  *dark* rectangle/path (luminance < ``DARK``, both sides ≥ ``MIN_BOX`` pt) or under an opaque
  image that was drawn *after* it. Images with a soft mask or colour-key mask (seals, logos
  with transparency) do not hide what is under them. A large image (≥ half the page) over
  text is the usual "text under a scanned image" OCR layer and is read as body text.
- **invisible**: render mode 3 or 7 (no paint), white/near-white fill with nothing dark
  painted under it before, a font size under 1 pt, or a box wholly outside the page.
  Render-mode-3 text over a large image is an OCR text layer and is read as body text.
- **visible**: everything else.

Lines are built from glyphs directly (no spaces inside CJK text): glyphs are clustered by
baseline and ordered left to right; a space is inserted only where the gap between glyphs is
wider than a quarter of the font size. Lines are grouped into paragraphs by first-line
indent, short last lines, vertical gaps larger than the page's usual leading and font size
changes (see ``paragraphs``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage

from secreview.normalize import is_cjk

DARK = 0.25  # fill luminance below which a box hides text
WHITE = 0.97  # text luminance above which text on a white page is invisible
BACKGROUND = 0.9  # a box darker than this under white text makes the text visible
MIN_BOX = 3.0  # pt; thinner boxes are rules and table borders
COVER_RATIO = 0.6  # share of a glyph's box that must be covered
LARGE_IMAGE = 0.5  # share of the page area: a scanned page image
INVISIBLE_MODES = frozenset((3, 7))


class _RenderModeDevice(PDFPageAggregator):
    """pdfminer's page aggregator, stamping every character with the text render mode and
    whether it lies in a marked-content section of a hidden optional-content layer
    (``/OC /MC0 BDC … EMC`` whose group is OFF in the document's default view)."""

    def __init__(
        self,
        rsrcmgr: PDFResourceManager,
        pageno: int,
        properties: dict[str, Any] | None = None,
        hidden_groups: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self._render_mode = 0
        self._properties = properties or {}
        self._hidden_groups = hidden_groups
        self._oc_stack: list[bool] = []

    def begin_tag(self, tag: Any, props: Any = None) -> None:
        hidden = False
        if self._hidden_groups and getattr(tag, "name", None) == "OC":
            hidden = _oc_hidden(props, self._properties, self._hidden_groups)
        self._oc_stack.append(hidden)

    def end_tag(self) -> None:
        if self._oc_stack:
            self._oc_stack.pop()

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._render_mode = int(getattr(textstate, "render", 0) or 0)
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        adv = super().render_char(*args, **kwargs)
        item = self.cur_item._objs[-1]
        item.render_mode = self._render_mode  # type: ignore[attr-defined]
        item.oc_hidden = any(self._oc_stack)  # type: ignore[attr-defined]
        return adv


def _oc_hidden(props: Any, properties: dict[str, Any], hidden: frozenset[int]) -> bool:
    """Does the marked content's optional-content group (or membership dict) hide it?"""
    from pdfminer.pdftypes import PDFObjRef, resolve1

    ref = properties.get(props.name) if hasattr(props, "name") else props
    groups: list[Any] = []
    target = resolve1(ref)
    if isinstance(target, dict) and "OCGs" in target:  # an OCMD: hidden if any group is OFF
        ocgs = target["OCGs"]
        groups = list(ocgs) if isinstance(ocgs, list) else [ocgs]
    else:
        groups = [ref]
    for g in groups:
        if isinstance(g, PDFObjRef) and g.objid in hidden:
            return True
    return False


def luminance(color: Any) -> float | None:
    """Relative luminance 0 (black) … 1 (white) of a pdfminer colour, None when unknown."""
    if isinstance(color, (int, float)):
        values: tuple[Any, ...] = (color,)
    elif isinstance(color, (tuple, list)):
        values = tuple(color)
    else:
        return None
    if not values or not all(isinstance(v, (int, float)) for v in values):
        return None
    v = [min(1.0, max(0.0, float(x))) for x in values]
    if len(v) == 1:
        return v[0]
    if len(v) == 3:
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
    if len(v) == 4:  # CMYK
        c, m, y, k = v
        r, g, b = (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    return None


@dataclass
class Glyph:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    seq: int
    render_mode: int
    lum: float | None
    upright: bool
    hidden_layer: bool = False

    @property
    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.bottom - self.top)


@dataclass
class Box:
    """A filled rectangle/path or an image, in top-based page coordinates."""

    x0: float
    top: float
    x1: float
    bottom: float
    seq: int
    kind: str  # "rect" | "image"
    lum: float | None = None  # fill luminance for rects
    transparent: bool = False  # images with a soft/colour-key mask

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 1), round(self.top, 1), round(self.x1, 1), round(self.bottom, 1))

    @property
    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.bottom - self.top)


def _overlap(g: Glyph, b: Box) -> float:
    w = min(g.x1, b.x1) - max(g.x0, b.x0)
    h = min(g.bottom, b.bottom) - max(g.top, b.top)
    return w * h if w > 0 and h > 0 else 0.0


def _covers(b: Box, g: Glyph) -> bool:
    area = g.area
    if area <= 0:  # zero-width glyph: test its centre
        cx, cy = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
        return b.x0 <= cx <= b.x1 and b.top <= cy <= b.bottom
    return _overlap(g, b) >= COVER_RATIO * area


BAND = 24.0  # pt: boxes are indexed by horizontal bands so each glyph tests only nearby ones


def _band_index(boxes: list[Box]) -> dict[int, list[int]]:
    index: dict[int, list[int]] = {}
    for i, b in enumerate(boxes):
        for band in range(int(b.top // BAND), int(b.bottom // BAND) + 1):
            index.setdefault(band, []).append(i)
    return index


def _candidates(index: dict[int, list[int]], g: Glyph) -> list[int]:
    if not index:
        return []
    lo, hi = int(g.top // BAND), int(g.bottom // BAND)
    if lo == hi:
        return index.get(lo, [])
    return sorted({i for band in range(lo, hi + 1) for i in index.get(band, [])})


@dataclass
class PageContent:
    number: int
    width: float
    height: float
    visible: list[Glyph] = field(default_factory=list)
    invisible: list[Glyph] = field(default_factory=list)
    # one entry per covering box: (box, glyphs under it)
    covered: list[tuple[Box, list[Glyph]]] = field(default_factory=list)
    # glyphs in an optional-content layer that is OFF by default (a hidden layer)
    hidden_layer: list[Glyph] = field(default_factory=list)
    images: int = 0
    paths: int = 0
    ocr_layer: bool = False

    @property
    def undecodable(self) -> bool:
        """Most glyphs have no Unicode mapping ("(cid:123)"): the text layer is unreadable."""
        real = [g for g in self.visible if g.text.strip()]
        bad = sum(1 for g in real if g.text.startswith("(cid:"))
        return bad >= 5 and bad >= 0.3 * len(real)

    @property
    def has_text(self) -> bool:
        return bool(self.visible or self.invisible or self.covered or self.hidden_layer)


def _stream_has_mask(obj: LTImage) -> bool:
    attrs = getattr(obj.stream, "attrs", {}) or {}
    return "SMask" in attrs or "Mask" in attrs


def _walk(
    objs: Iterable[Any],
    height: float,
    counter: Iterator[int],
    glyphs: list[Glyph],
    boxes: list[Box],
) -> tuple[int, int]:
    images = paths = 0
    for obj in objs:
        seq = next(counter)
        if isinstance(obj, LTChar):
            gs = obj.graphicstate
            mode = getattr(obj, "render_mode", 0)
            if mode in (1, 5):
                lum = luminance(gs.scolor)
            elif mode in (2, 6):
                a, b = luminance(gs.ncolor), luminance(gs.scolor)
                lum = None if a is None or b is None else min(a, b)
            else:
                lum = luminance(gs.ncolor)
            glyphs.append(
                Glyph(
                    obj.get_text(),
                    obj.x0,
                    height - obj.y1,
                    obj.x1,
                    height - obj.y0,
                    obj.size,
                    seq,
                    mode,
                    lum,
                    bool(obj.upright),
                    bool(getattr(obj, "oc_hidden", False)),
                )
            )
        elif isinstance(obj, LTImage):
            images += 1
            boxes.append(
                Box(
                    obj.x0,
                    height - obj.y1,
                    obj.x1,
                    height - obj.y0,
                    seq,
                    "image",
                    transparent=_stream_has_mask(obj),
                )
            )
        elif isinstance(obj, LTCurve):  # LTRect, LTLine, LTCurve
            paths += 1
            if obj.fill:
                boxes.append(
                    Box(
                        obj.x0,
                        height - obj.y1,
                        obj.x1,
                        height - obj.y0,
                        seq,
                        "rect",
                        lum=luminance(obj.non_stroking_color),
                    )
                )
        elif isinstance(obj, LTContainer):  # LTFigure (form XObject)
            i, p = _walk(obj, height, counter, glyphs, boxes)
            images += i
            paths += p
    return images, paths


def interpret_page(
    rsrcmgr: PDFResourceManager,
    page: PDFPage,
    number: int,
    hidden_groups: frozenset[int] = frozenset(),
) -> PageContent:
    """Interpret one page and sort its glyphs into visible / invisible / covered / hidden layer.

    ``hidden_groups``: object ids of the optional-content groups that are OFF by default.
    """
    properties: dict[str, Any] = {}
    if hidden_groups:
        from pdfminer.pdftypes import resolve1

        res = resolve1(page.resources) if page.resources else {}
        props = resolve1(res.get("Properties")) if isinstance(res, dict) else None
        properties = props if isinstance(props, dict) else {}
    device = _RenderModeDevice(rsrcmgr, number, properties, hidden_groups)
    try:
        PDFPageInterpreter(rsrcmgr, device).process_page(page)
        layout = device.get_result()
    finally:
        device.close()
    x0, y0, x1, y1 = layout.bbox
    width, height = x1 - x0, y1 - y0
    glyphs: list[Glyph] = []
    boxes: list[Box] = []
    images, paths = _walk(layout, y1, itertools.count(), glyphs, boxes)
    content = PageContent(number, width, height, images=images, paths=paths)
    classify(content, glyphs, boxes, (x0, 0.0, x1, height))
    return content


def classify(
    content: PageContent,
    glyphs: list[Glyph],
    boxes: list[Box],
    page_box: tuple[float, float, float, float],
) -> None:
    page_area = max(1.0, content.width * content.height)
    large = [b for b in boxes if b.kind == "image" and b.area >= LARGE_IMAGE * page_area]
    hiders = [
        b
        for b in boxes
        if (b.x1 - b.x0) >= MIN_BOX
        and (b.bottom - b.top) >= MIN_BOX
        and (
            (b.kind == "rect" and b.lum is not None and b.lum < DARK)
            or (b.kind == "image" and not b.transparent and b.area < LARGE_IMAGE * page_area)
        )
    ]
    # Backgrounds that make white text readable: anything not white drawn under it.
    backs = [b for b in boxes if b.kind == "image" or (b.lum is not None and b.lum < BACKGROUND)]
    bands = _band_index(hiders)
    covered: dict[int, list[Glyph]] = {}
    px0, ptop, px1, pbottom = page_box
    for g in glyphs:
        if g.hidden_layer:
            if g.text.strip():
                content.hidden_layer.append(g)
            continue
        hider = next(
            (i for i in _candidates(bands, g) if hiders[i].seq > g.seq and _covers(hiders[i], g)),
            None,
        )
        if hider is not None:
            covered.setdefault(hider, []).append(g)
            continue
        if not g.text.strip():
            # a space is no residue itself; keep it with the visible text for word breaks
            content.visible.append(g)
            continue
        if any(b.seq > g.seq and _covers(b, g) for b in large):
            content.ocr_layer = True
            content.visible.append(g)
            continue
        if g.render_mode in INVISIBLE_MODES:
            if any(b.seq < g.seq and _overlap(g, b) > 0 for b in large):
                content.ocr_layer = True
                content.visible.append(g)
            else:
                content.invisible.append(g)
            continue
        outside = g.x1 <= px0 or g.x0 >= px1 or g.bottom <= ptop or g.top >= pbottom
        white = (
            g.lum is not None
            and g.lum > WHITE
            and not any(b.seq < g.seq and _covers(b, g) for b in backs)
        )
        if outside or white or g.size < 1.0:
            content.invisible.append(g)
        else:
            content.visible.append(g)
    content.covered = [(hiders[i], gs) for i, gs in sorted(covered.items())]


@dataclass
class Line:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float


def _line_text(glyphs: list[Glyph]) -> str:
    out: list[str] = []
    prev: Glyph | None = None
    for g in glyphs:
        if prev is not None:
            # fake bold: the same character drawn twice almost on top of itself
            if g.text == prev.text and abs(g.x0 - prev.x0) < 0.3 * max(g.size, 1.0):
                continue
            gap = g.x0 - prev.x1
            if gap > 0.25 * max(g.size, prev.size, 1.0) and not (
                out and out[-1].endswith(" ") or g.text.startswith(" ")
            ):
                out.append(" ")
        out.append(g.text)
        prev = g
    return "".join(out).strip()


def lines(glyphs: list[Glyph]) -> list[Line]:
    """Glyphs → lines in reading order (top to bottom, left to right)."""
    upright = sorted((g for g in glyphs if g.upright), key=lambda g: (g.bottom, g.x0))
    groups: list[list[Glyph]] = []
    for g in upright:
        if groups:
            cur = groups[-1]
            ref = cur[0]
            tol = max(1.5, 0.3 * min(ref.size, g.size))
            if abs(g.bottom - ref.bottom) <= tol:
                cur.append(g)
                continue
        groups.append([g])
    rotated = [g for g in glyphs if not g.upright]
    if rotated:  # vertical/rotated text: keep drawing order as one extra line
        groups.append(sorted(rotated, key=lambda g: g.seq))
    out: list[Line] = []
    for grp in groups:
        if grp[0].upright:
            grp.sort(key=lambda g: g.x0)
        text = _line_text(grp)
        if text:
            out.append(
                Line(
                    text,
                    min(g.x0 for g in grp),
                    min(g.top for g in grp),
                    max(g.x1 for g in grp),
                    max(g.bottom for g in grp),
                    median(g.size for g in grp),
                )
            )
    return out


def _join(a: str, b: str) -> str:
    if not a:
        return b
    if is_cjk(a[-1]) or is_cjk(b[0]):
        return a + b
    if a[-1].isdigit() and b[0].isdigit():  # a number wrapped at the margin (an ID, a phone)
        return a + b
    return a + " " + b


def paragraphs(page_lines: list[Line], page_width: float | None = None) -> list[Line]:
    """Group lines into paragraphs (Chinese official documents indent the first line).

    A line starts a paragraph when it is indented (or centred), when the line before it
    ended short of the right margin, after a gap wider than the page's usual leading, or
    when the font size changes. The right margin is taken as the mirror of the left one
    when no line reaches further, so single-line paragraphs are still told apart.
    """
    if not page_lines:
        return []
    left = min(ln.x0 for ln in page_lines)
    right = max(ln.x1 for ln in page_lines)
    if page_width is not None and page_width - left > right:
        right = page_width - left
    gaps = [b.top - a.bottom for a, b in itertools.pairwise(page_lines) if b.top >= a.bottom]
    usual_gap = median(gaps) if gaps else 0.0
    out: list[Line] = []
    cur: Line | None = None
    for ln in page_lines:
        new = cur is None
        if cur is not None:
            size = max(ln.size, cur.size)
            if (
                ln.top - cur.bottom > usual_gap + 0.5 * size
                or ln.top < cur.top  # rotated text or out-of-order
                or ln.x0 > left + 1.5 * ln.size  # first-line indent or centred line
                or cur.x1 < right - 2 * size  # previous line ended short
                or abs(ln.size - cur.size) > 1.0
            ):
                new = True
        if new:
            cur = Line(ln.text, ln.x0, ln.top, ln.x1, ln.bottom, ln.size)
            out.append(cur)
        else:
            assert cur is not None
            cur.text = _join(cur.text, ln.text)
            cur.x0 = min(cur.x0, ln.x0)
            cur.bottom = max(cur.bottom, ln.bottom)
            cur.x1 = ln.x1  # the paragraph's last line decides "ended short"
    return out

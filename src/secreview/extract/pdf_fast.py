"""Plain PDF pages read with pdfium (pypdfium2) instead of interpreting them with pdfminer.

Most pages of a published document are plain text: black text on white, nothing drawn over
it, no pictures. For those the residue geometry of pdf_layout (painting order, dark boxes,
render modes) has nothing to find, and pdfium reads the glyphs ~15× faster than pdfminer's
interpreter. ``PdfiumReader.plain_page`` gives such a page's glyphs as the same
``PageContent`` pdf_layout.interpret_page would (the same boxes: x from the glyph's origin
and advance, bottom at the font's descent below the baseline, top one font size above it),
so lines and paragraphs are built by the same code.

A page is *plain* — and read here — only when every object on it is (checked on pdfium's
page objects, cheaply, before any text is read):

- text objects drawn in fill mode, dark enough (luminance ≤ ``MAX_TEXT_LUMINANCE``, well
  below pdf_layout.WHITE), opaque, upright (no rotation or mirroring), at least 1 pt, inside
  the page, every glyph with a Unicode mapping;
- paths that are only stroked (table borders, rules) — a filled path may be a black box over
  text or the background that makes white text readable;
- nothing else: an image, a shading or a form XObject sends the page to pdf_layout.

A page that is rotated, or whose media box does not start at the origin, is also left to
pdf_layout, as is every page of a document with hidden optional-content layers, and every
page when pdfium cannot open the file or counts other pages than pdfminer.
tests/test_pdf_fast.py checks that both readers give the same segments on the fixtures and
the seed.
"""

from __future__ import annotations

import ctypes
import re
from typing import Any

from secreview.errors import SecreviewError
from secreview.extract.pdf_layout import Glyph, PageContent

MAX_TEXT_LUMINANCE = 0.8
# a content stream this long (bytes, decoded or not) is read by pdf_layout, whose per-file
# time budget can interrupt it; pdfium's native parse cannot be
MAX_CONTENT_BYTES = 4 << 20


# string literals (escapes inside; the two alternatives never overlap, so no backtracking)
# and hex strings: removed before the operators are looked at
_STRINGS = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>", re.S)
_TJ = re.compile(rb"\[([^\[\]]*)\]\s*TJ")
_SPACING = re.compile(rb"([-+]?(?:\d+\.?\d*|\.\d+))\s+T[cw](?![A-Za-z])")
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)")


def spacing_free(content: bytes) -> bool:
    """No character or word spacing (non-zero ``Tc``/``Tw``, the ``"`` operator) and no kerning
    inside ``TJ`` arrays: then each glyph ends where the next one of its run begins, which is
    how pdf_layout places it. Pages with spacing or kerning are left to pdf_layout."""
    ops = _STRINGS.sub(b"()", content)
    if b'"' in ops:
        return False
    for m in _SPACING.finditer(ops):
        if float(m.group(1)) != 0:
            return False
    return not any(_NUMBER.search(m.group(1)) for m in _TJ.finditer(ops))


def _luminance(r: int, g: int, b: int) -> float:
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0


class PdfiumReader:
    """One document opened with pdfium; ``plain_page`` per page, ``close`` at the end."""

    def __init__(self, data: bytes, pages: int) -> None:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        self._raw = raw
        self._doc: Any = None
        try:
            doc = pdfium.PdfDocument(data)
        except (SecreviewError, MemoryError):
            raise  # the per-file budget ran out (Timeout) while pdfium opened the file
        except Exception:  # noqa: BLE001 — pdfium cannot read it: pdf_layout reads every page
            return
        if len(doc) != pages:
            doc.close()
            return
        self._doc = doc
        self._fonts: dict[int, float] = {}

    @property
    def usable(self) -> bool:
        return self._doc is not None

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()
            self._doc = None

    def plain_page(
        self, index: int, number: int, mediabox: Any, rotate: Any, content: bytes
    ) -> PageContent | None:
        """The page's glyphs when the page is plain (see the module docstring), else None.

        ``content``: the page's decoded content stream(s)."""
        if self._doc is None or len(content) > MAX_CONTENT_BYTES:
            return None
        try:
            x0, y0, x1, y1 = (float(v) for v in mediabox)
        except (TypeError, ValueError):
            return None
        if (int(rotate or 0) % 360) != 0 or x0 != 0 or y0 != 0 or x1 <= 0 or y1 <= 0:
            return None
        page = self._doc[index]
        try:
            paths = self._plain_objects(page.raw, x1, y1)
            if paths is None or not spacing_free(content):
                return None
            textpage = page.get_textpage()
            try:
                glyphs = self._glyphs(textpage.raw, y1)
            finally:
                textpage.close()
        finally:
            page.close()
        if not glyphs:  # no text layer: pdf_layout decides image-only page
            return None
        return PageContent(number, x1, y1, visible=glyphs, paths=paths)

    def _plain_objects(self, page: Any, width: float, height: float) -> int | None:
        """The number of (stroked) paths when every object is plain, else None."""
        raw = self._raw
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        matrix = raw.FS_MATRIX()
        paths = texts = 0
        for i in range(raw.FPDFPage_CountObjects(page)):
            obj = raw.FPDFPage_GetObject(page, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                if not raw.FPDFPath_GetDrawMode(obj, fill, stroke) or fill.value != 0:
                    return None
                paths += 1
                continue
            if kind != raw.FPDF_PAGEOBJ_TEXT:
                return None  # image, shading, form XObject, unknown
            texts += 1
            if raw.FPDFTextObj_GetTextRenderMode(obj) != raw.FPDF_TEXTRENDERMODE_FILL:
                return None
            if not raw.FPDFPageObj_GetFillColor(obj, r, g, b, a):
                return None
            if a.value != 255 or _luminance(r.value, g.value, b.value) > MAX_TEXT_LUMINANCE:
                return None
            if not raw.FPDFPageObj_GetMatrix(obj, matrix):
                return None
            if matrix.b != 0 or matrix.c != 0 or matrix.a <= 0 or matrix.d <= 0:
                return None
            size = ctypes.c_float()
            if not raw.FPDFTextObj_GetFontSize(obj, size) or size.value * matrix.d < 1.0:
                return None
            if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                return None
            if left.value < 0 or bottom.value < 0 or right.value > width or top.value > height:
                return None
        return paths if texts else None

    def _descent(self, textpage: Any, index: int) -> float | None:
        """The font's descent per point of size (negative), as the font descriptor gives it."""
        raw = self._raw
        obj = raw.FPDFText_GetTextObject(textpage, index)
        if not obj:
            return None
        font = raw.FPDFTextObj_GetFont(obj)
        if not font:
            return None
        key = ctypes.cast(font, ctypes.c_void_p).value or 0
        found = self._fonts.get(key)
        if found is None:
            out = ctypes.c_float()
            if not raw.FPDFFont_GetDescent(font, ctypes.c_float(1000.0), out):
                return None
            found = self._fonts[key] = out.value / 1000.0
        return found

    def _glyphs(self, textpage: Any, height: float) -> list[Glyph] | None:
        raw, fn = self._raw, _fast()
        tp = ctypes.cast(textpage, ctypes.c_void_p).value
        count = raw.FPDFText_CountChars(textpage)
        if count <= 0:
            return []
        text = _page_text(raw, textpage, count)
        if text is None:
            return None
        box = raw.FS_RECTF()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        p_box = ctypes.addressof(box)
        p_ox, p_oy = ctypes.addressof(ox), ctypes.addressof(oy)
        matrix = raw.FS_MATRIX()
        is_generated, map_error = fn["generated"], fn["map_error"]
        text_object, loose_box, origin = fn["text_object"], fn["loose_box"], fn["origin"]
        glyphs: list[Glyph] = []
        objects: list[int | None] = []  # the text object (run) of each glyph
        last_obj: int | None = None
        size = descent = 0.0
        for i, ch in enumerate(text):
            if ch in " \r\n" and is_generated(tp, i) == 1:
                continue  # a space or line break pdfium inserted
            if map_error(tp, i) == 1:
                return None  # pdfminer would show "(cid:…)": pdf_layout reports it
            obj = text_object(tp, i)
            if obj != last_obj:
                if not raw.FPDFText_GetMatrix(textpage, i, matrix) or matrix.b or matrix.c:
                    return None
                found = self._descent(textpage, i)
                if found is None:
                    return None
                descent = found
                size = raw.FPDFText_GetFontSize(textpage, i) * float(matrix.d)
                last_obj = obj
            if not loose_box(tp, i, p_box) or not origin(tp, i, p_ox, p_oy):
                return None
            bottom = height - (oy.value + descent * size)
            glyphs.append(
                Glyph(
                    ch, ox.value, bottom - size, box.right, bottom, size, len(glyphs), 0, 0.0, True
                )
            )
            objects.append(obj)
        # A glyph ends where the next glyph of its run begins (its advance: no spacing or
        # kerning on this page, see spacing_free); pdfium's own box is the font's glyph box,
        # not the advance, and is used only for the last glyph of a run.
        for k in range(len(glyphs) - 1):
            g, nxt = glyphs[k], glyphs[k + 1]
            if objects[k] == objects[k + 1] and nxt.bottom == g.bottom and nxt.x0 >= g.x0:
                g.x1 = nxt.x0
        return glyphs


def _page_text(raw: Any, textpage: Any, count: int) -> str | None:
    """Every character of the page, one per index (None when one is outside the BMP or
    unmapped: those pages go to pdf_layout)."""
    buf = ctypes.create_string_buffer((count + 1) * 2)
    got = raw.FPDFText_GetText(
        textpage, 0, count, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort))
    )
    if got != count + 1:
        return None
    text = buf.raw[: count * 2].decode("utf-16-le", errors="replace")
    if len(text) != count or any(
        c in "\x00\ufffd\ufffe\uffff" or "\ud800" <= c <= "\udfff" for c in text
    ):
        return None
    return text


_FAST: dict[str, Any] = {}


def _fast() -> dict[str, Any]:
    """The per-character pdfium calls with plain-integer prototypes: far less ctypes
    conversion per call than pypdfium2's typed ones, for the thousands of calls per page."""
    if not _FAST:
        import pypdfium2.raw as raw

        def proto(func: Any, restype: Any, *args: Any) -> Any:
            address = ctypes.cast(func, ctypes.c_void_p).value
            assert address is not None
            return ctypes.CFUNCTYPE(restype, *args)(address)

        vp, i = ctypes.c_void_p, ctypes.c_int
        _FAST.update(
            generated=proto(raw.FPDFText_IsGenerated, i, vp, i),
            map_error=proto(raw.FPDFText_HasUnicodeMapError, i, vp, i),
            text_object=proto(raw.FPDFText_GetTextObject, vp, vp, i),
            loose_box=proto(raw.FPDFText_GetLooseCharBox, i, vp, i, vp),
            origin=proto(raw.FPDFText_GetCharOrigin, i, vp, i, vp, vp),
        )
    return _FAST

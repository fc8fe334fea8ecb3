"""Scanned PDF pages (no text layer, an image instead): rendered with pdfium and read by OCR.

``pdf.extract`` notes such pages as ``image_only_page`` residue (cannot be reviewed). With
the OCR extra installed, this module renders each of them (``RENDER_DPI``), adds the text
as ``ocr`` segments (``bbox`` in pt from the page's top-left corner, like the other PDF
boxes) and replaces that note with what OCR read and what is left for a person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from secreview.config import Limits
from secreview.errors import CorruptFile
from secreview.extract import ocr
from secreview.extract.image import read_pages
from secreview.model import Document

RENDER_DPI = 150


def _rendered(data: bytes, pages: list[int], limits: Limits) -> Iterator[tuple[int, Any]]:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:
        raise CorruptFile(f"PDF 扫描页无法渲染（{e}）") from e
    try:
        scale = RENDER_DPI / 72
        for number in pages:
            page = pdf[number - 1]
            try:
                width, height = page.get_size()
                if width * height * scale * scale > limits.max_image_pixels:
                    continue  # an absurd page size: left for a person (listed as skipped)
                image = page.render(scale=scale).to_pil()
            finally:
                page.close()
            image.secreview_scale = 1 / scale  # pixel boxes back to pt
            yield number, image
    finally:
        pdf.close()


def ocr_image_pages(doc: Document, data: bytes, limits: Limits) -> None:
    """Replace the ``image_only_page`` note by OCR text when the OCR extra is installed."""
    pages: list[int] = doc.facts.get("image_only_pages") or []
    if not pages or not ocr.available():
        return
    doc.residue = [n for n in doc.residue if n.kind != "image_only_page"]
    read_pages(doc, _rendered(data, pages, limits), pages, limits, what="PDF 扫描页")

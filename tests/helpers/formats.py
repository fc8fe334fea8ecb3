"""One document's text in every format an office publishes it in (issue 13: "the seed passes in
every format"): TXT (UTF-8 and GB18030), DOCX, PDF and HTML, built with the real libraries.

The first line is the title (a heading in DOCX/HTML, centred in the PDF); each further line is a
paragraph. Lines of tab-separated cells become table rows in DOCX and HTML.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

import docx
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from tests.helpers.pdf_builder import FONT

FORMATS = ("txt-utf8", "txt-gb18030", "docx", "pdf", "html")
SUFFIX = {"txt-utf8": "txt", "txt-gb18030": "txt", "docx": "docx", "pdf": "pdf", "html": "html"}

WIDTH, HEIGHT = A4
MARGIN = 72.0
SIZE = 12.0


def lines_of(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _docx(lines: Sequence[str]) -> bytes:
    d = docx.Document()
    d.add_heading(lines[0], level=1)
    i = 1
    while i < len(lines):
        if "\t" in lines[i]:
            rows = []
            while i < len(lines) and "\t" in lines[i]:
                rows.append(lines[i].split("\t"))
                i += 1
            width = max(len(r) for r in rows)
            table = d.add_table(rows=len(rows), cols=width)
            # row by row: table.cell(r, c) walks the whole grid each call (quadratic)
            for row, cells in zip(table.rows, rows, strict=True):
                for target, cell in zip(row.cells, cells, strict=False):
                    target.text = cell
            continue
        d.add_paragraph(lines[i])
        i += 1
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(lines: Sequence[str]) -> bytes:
    """A4 pages, 12 pt STSong, official style: centred title, paragraphs indented two characters
    and wrapped at the margin, a new page whenever the current one is full."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    per_line = int((WIDTH - 2 * MARGIN) // SIZE)
    y = HEIGHT - MARGIN

    def newline() -> None:
        nonlocal y
        y -= SIZE * 1.8
        if y < MARGIN:
            c.showPage()
            c.setFont(FONT, SIZE)
            y = HEIGHT - MARGIN

    c.setFont(FONT, SIZE)
    title = lines[0]
    c.drawCentredString(WIDTH / 2, y, title[:per_line])
    newline()
    for para in lines[1:]:
        para = para.replace("\t", "  ")
        first, text = True, para
        while text:
            # Fill the line by measured width (digits and Latin letters are narrower than
            # ideographs), as a word processor's justified text does.
            room = WIDTH - 2 * MARGIN - (2 * SIZE if first else 0)
            n = 1
            while n < len(text) and stringWidth(text[: n + 1], FONT, SIZE) <= room:
                n += 1
            chunk, text = text[:n], text[n:]
            c.drawString(MARGIN + (2 * SIZE if first else 0), y, chunk)
            first = False
            newline()
    c.showPage()
    c.save()
    return buf.getvalue()


def _html(lines: Sequence[str]) -> bytes:
    body = [f"<h1>{html.escape(lines[0])}</h1>"]
    i = 1
    while i < len(lines):
        if "\t" in lines[i]:
            body.append("<table>")
            while i < len(lines) and "\t" in lines[i]:
                cells = "".join(f"<td>{html.escape(c)}</td>" for c in lines[i].split("\t"))
                body.append(f"<tr>{cells}</tr>")
                i += 1
            body.append("</table>")
            continue
        body.append(f"<p>{html.escape(lines[i])}</p>")
        i += 1
    page = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(lines[0])}</title></head><body>" + "\n".join(body) + "</body></html>"
    )
    return page.encode("utf-8")


def document_variants(text: str) -> dict[str, bytes]:
    """``text`` (title line first) as each of FORMATS."""
    lines = lines_of(text)
    if not lines:
        raise ValueError("empty document")
    plain = "\n".join(lines) + "\n"
    return {
        "txt-utf8": plain.encode("utf-8"),
        "txt-gb18030": plain.encode("gb18030"),
        "docx": _docx(lines),
        "pdf": _pdf(lines),
        "html": _html(lines),
    }


def table_variants(text: str) -> dict[str, bytes]:
    """``text`` as DOCX and HTML only: the formats where tab-separated lines are table rows."""
    lines = lines_of(text)
    return {"docx": _docx(lines), "html": _html(lines)}

"""The 台账 as a print-ready PDF: A4 landscape, STSong-Light (built into reportlab, no font
file), title with office and period, repeated table header, "第 N 页 共 M 页", statistics,
the ledger footer and signature lines for 检查人 and 被检查单位负责人."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from secreview.report.annual import ANNUAL_NOTE, TABLE_COLUMNS, TABLE_TITLE
from secreview.report.audit import COLUMN_WIDTHS, COLUMNS, Audit
from secreview.report.fonts import audit_font
from secreview.report.wrap import make_wrapper

ROWS_PER_TABLE = 200  # chunking keeps platypus table splitting linear for 10,000 rows
CELL_SIZE, CELL_LEADING, PAD = 7.5, 9.5, 2
STAT_SIZE, STAT_LEADING = 9, 13


def _wrapper(font: str, size: float) -> Any:
    """Break text into lines that fit a width: Chinese anywhere, English words, rule ids and
    URLs kept whole (report/wrap.py).

    Cells are pre-wrapped plain strings rather than Paragraphs: reportlab draws a string
    cell without its paragraph machinery, which makes 10,000 rows several times faster.
    """
    return make_wrapper(lambda ch: pdfmetrics.stringWidth(ch, font, size))


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    return {
        "cell": base,
        "head": ParagraphStyle("head", parent=base, fontSize=8, leading=10),
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=10, leading=14, alignment=1),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=6),
        "text": ParagraphStyle("text", fontName=font, fontSize=9, leading=13, wordWrap="CJK"),
        "alarm": ParagraphStyle(
            "alarm", fontName=font, fontSize=11, leading=15, textColor=colors.red, wordWrap="CJK"
        ),
    }


class _NumberedCanvas(pdfcanvas.Canvas):
    """Defers page output so each page can say 第 N 页 共 M 页."""

    footer_text = ""
    font = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 — reportlab API
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        width, _ = self._pagesize
        self.setFont(self.font, 8)
        self.drawCentredString(width / 2, 8 * mm, f"第 {self._pageNumber} 页 共 {total} 页")
        self.setFont(self.font, 6)
        self.drawString(12 * mm, 4 * mm, self.footer_text[:200])


def _grid(rows: list[list[str]], widths: list[float], font: str) -> Table:
    wrap = _wrapper(font, STAT_SIZE)
    body = [[wrap(c, w - 2 * PAD - 1) for c, w in zip(row, widths, strict=True)] for row in rows]
    table = Table(body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, STAT_SIZE, STAT_LEADING),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    return table


def _annual_story(audit: Audit, font: str, st: dict[str, ParagraphStyle]) -> list[Any]:
    """audit --annual: the annual report's 保密审查 section, first in the document."""
    annual = audit.annual
    assert annual is not None
    para = ParagraphStyle("para", parent=st["text"], fontSize=11, leading=19, firstLineIndent=22)
    summary = [["项目", "数量"], *([k, str(v)] for k, v in annual.summary_items())]
    table = [list(TABLE_COLUMNS), *([str(c) for c in row] for row in annual.table())]
    return [
        Paragraph(escape(annual.heading), st["h2"]),
        Paragraph(escape(annual.paragraph()), para),
        Spacer(1, 3 * mm),
        Paragraph(TABLE_TITLE, st["text"]),
        _grid(table, [70 * mm] + [30 * mm] * (len(TABLE_COLUMNS) - 1), font),
        Spacer(1, 3 * mm),
        _grid(summary, [70 * mm, 30 * mm], font),
        Spacer(1, 3 * mm),
        Paragraph(escape(ANNUAL_NOTE), st["text"]),
    ]


def render_pdf(audit: Audit, path: str | Path, font_path: str | Path | None = None) -> Path:
    """Write the audit PDF. ``font_path``: the CJK TrueType font to embed (else found as
    report/fonts.py says; none found → MissingTool, no PDF written)."""
    font = audit_font(font_path).name
    st = _styles(font)
    out = Path(path)
    page = landscape(A4)
    doc = SimpleDocTemplate(
        str(out),
        pagesize=page,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=16 * mm,
        title=audit.title,
        author="secreview",
        # the page preamble selects the initial font: ours, so no unembedded base-14 font
        # (Helvetica, and ZapfDingbats behind it) is referenced anywhere in the file
        initialFontName=font,
    )
    usable = page[0] - 20 * mm
    unit = usable / sum(COLUMN_WIDTHS)
    widths = [w * unit for w in COLUMN_WIDTHS]

    story: list[Any] = [
        Paragraph(escape(audit.title), st["title"]),
        Paragraph(escape(audit.subtitle()), st["sub"]),
        Spacer(1, 4 * mm),
    ]
    for alarm in audit.alarms():
        lines = _wrapper(font, 11)(alarm, usable)
        story.append(Paragraph(escape(lines).replace("\n", "<br/>"), st["alarm"]))
        story.append(Spacer(1, 3 * mm))

    if audit.annual is not None:
        story += _annual_story(audit, font, st) + [PageBreak()]

    header = [Paragraph(escape(c), st["head"]) for c in COLUMNS]
    table_style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ("FONTSIZE", (0, 1), (-1, -1), CELL_SIZE),
            ("LEADING", (0, 1), (-1, -1), CELL_LEADING),
        ]
    )
    wrap = _wrapper(font, CELL_SIZE)
    inner = [w - 2 * PAD - 0.5 for w in widths]
    rows = audit.rows
    if not rows:
        story.append(Paragraph("本期间无提交事项。", st["text"]))
    for start in range(0, len(rows), ROWS_PER_TABLE):
        body = [
            [wrap(c, w) for c, w in zip(audit.cells(row), inner, strict=True)]
            for row in rows[start : start + ROWS_PER_TABLE]
        ]
        table = LongTable([header, *body], colWidths=widths, repeatRows=1)
        table.setStyle(table_style)
        story.append(table)

    story += [PageBreak(), Paragraph("统计", st["h2"])]
    stat_wrap = _wrapper(font, STAT_SIZE)
    key_w, value_w = 80 * mm, 150 * mm
    stats = Table(
        [
            [stat_wrap(k, key_w - 2 * PAD - 1), stat_wrap(v, value_w - 2 * PAD - 1)]
            for k, v in audit.stat_lines()
        ],
        colWidths=[key_w, value_w],
    )
    stats.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, STAT_SIZE, STAT_LEADING),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
            ]
        )
    )
    story += [stats, Spacer(1, 6 * mm)]
    story.append(Paragraph("台账校验", st["h2"]))
    footer = _wrapper(font, STAT_SIZE)(audit.footer_line(), usable)
    story.append(Paragraph(escape(footer).replace("\n", "<br/>"), st["text"]))
    story.append(Spacer(1, 14 * mm))
    story.append(
        Paragraph(
            "检查人（签字）：______________________        日期：____________"
            "        被检查单位负责人（签字）：______________________        日期：____________",
            st["text"],
        )
    )

    font_name = font

    class _Canvas(_NumberedCanvas):
        footer_text = f"{audit.title}  链头哈希 {audit.head_hash}"
        font = font_name

    doc.build(story, canvasmaker=_Canvas)
    return out

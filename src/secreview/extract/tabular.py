"""Shared helper: a table/sheet row becomes one segment whose cells are located spans."""

from __future__ import annotations

from openpyxl.utils.cell import get_column_letter

from secreview.model import Location, Segment, Span

CELL_SEPARATOR = "\t"


def row_segment(
    cells: list[tuple[int, str]],
    row: int,
    *,
    sheet: str | None,
    part: str = "sheet",
    page: int | None = None,
) -> Segment | None:
    """Join a row's non-empty cells with tabs; each cell keeps its own A1 location.

    ``cells`` are (1-based column, text). Returns None for an empty row.
    """
    pieces: list[str] = []
    spans: list[Span] = []
    pos = 0
    for col, value in cells:
        if value is None:
            continue
        text = str(value)
        if not text.strip():
            continue
        if pieces:
            pieces.append(CELL_SEPARATOR)
            pos += len(CELL_SEPARATOR)
        ref = f"{get_column_letter(col)}{row}"
        loc = Location(part=part, sheet=sheet, cell=ref, row=row, col=col, page=page)
        spans.append(Span(pos, pos + len(text), loc))
        pieces.append(text)
        pos += len(text)
    if not pieces:
        return None
    return Segment(
        "".join(pieces),
        Location(part=part, sheet=sheet, row=row, page=page),
        tuple(spans),
    )

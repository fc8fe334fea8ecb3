"""Shared helper: a table/sheet row becomes one segment whose cells are located spans."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from secreview.model import Location, Segment, Span

CELL_SEPARATOR = "\t"


def row_segment(
    cells: Iterable[tuple[int, object]],
    row_location: Location,
    cell_location: Callable[[int], Location],
) -> Segment | None:
    """Join a row's non-empty cells with tabs, so the row reads as one record, while each
    cell keeps its own location (``cell_location(column)``).

    ``cells`` are (1-based column, value). Returns None for an empty row.
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
        spans.append(Span(pos, pos + len(text), cell_location(col)))
        pieces.append(text)
        pos += len(text)
    if not pieces:
        return None
    return Segment("".join(pieces), row_location, tuple(spans))


def sheet_row_segment(
    cells: Iterable[tuple[int, object]], row: int, *, sheet: str | None, part: str = "sheet"
) -> Segment | None:
    """A spreadsheet/CSV row: cells located as A1 references (``sheet!B3``)."""
    from openpyxl.utils.cell import get_column_letter  # late: openpyxl costs 0.3 s to import

    return row_segment(
        cells,
        Location(part=part, sheet=sheet, row=row),
        lambda col: Location(
            part=part, sheet=sheet, cell=f"{get_column_letter(col)}{row}", row=row, col=col
        ),
    )

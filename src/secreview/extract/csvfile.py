"""CSV/TSV: every row is one segment (a record), every non-empty cell a span located as A1."""

from __future__ import annotations

import csv
import io

from secreview.config import Limits
from secreview.errors import TooLarge
from secreview.extract.tabular import row_segment
from secreview.extract.text import decode_text
from secreview.model import Document


def extract(data: bytes, path: str, limits: Limits) -> Document:
    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(10 * 1024 * 1024)
    doc = Document(path=path, format="csv")
    cells = 0
    for r, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells += len(row)
        if cells > limits.max_xlsx_cells:
            raise TooLarge(f"表格单元格过多（超过 {limits.max_xlsx_cells} 个）")
        seg = row_segment([(c, v) for c, v in enumerate(row, start=1)], r, sheet=None, part="sheet")
        if seg is not None:
            doc.segments.append(seg)
    return doc

"""CSV/TSV: every row is one segment (a record), every non-empty cell a span located as A1."""

from __future__ import annotations

import csv
import io

from secreview.config import Limits
from secreview.errors import CorruptFile, TooLarge
from secreview.extract.tabular import sheet_row_segment
from secreview.extract.text import decode_text
from secreview.model import Document


def extract(data: bytes, path: str, limits: Limits) -> Document:
    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    # An unbalanced quote makes the rest of the file one field: still text to scan, so the
    # field may be as long as the text limit (extract_bytes enforces that afterwards).
    csv.field_size_limit(max(limits.max_text_chars, len(text)) + 1)
    doc = Document(path=path, format="csv")
    cells = 0
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for r, row in enumerate(reader, start=1):
            cells += len(row)
            if cells > limits.max_xlsx_cells:
                raise TooLarge(f"表格单元格过多（超过 {limits.max_xlsx_cells} 个）")
            cells_of_row = [(c, v) for c, v in enumerate(row, start=1)]
            seg = sheet_row_segment(cells_of_row, r, sheet=None, part="sheet")
            if seg is not None:
                doc.segments.append(seg)
    except csv.Error as e:
        raise CorruptFile(f"CSV 文件格式错误（第 {reader.line_num} 行：{e}）") from e
    return doc

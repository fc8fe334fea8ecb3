"""Text extraction: the format is decided from the bytes, never from the file name.

Each format module exposes ``extract(data: bytes, path: str, limits: Limits) -> Document``
and yields located segments in reading order. ``extract_file`` is the one entry point.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from secreview.config import Limits
from secreview.errors import CorruptFile, NotFound, TooLarge, UnsupportedFormat
from secreview.extract.detect import IMAGE_FORMATS, detect_format
from secreview.model import Document

Extractor = Callable[[bytes, str, Limits], Document]

# format → module under secreview.extract; imported on first use so a text scan never pays
# for pdfplumber/openpyxl imports.
FORMAT_MODULES = {
    "txt": "text",
    "html": "html",
    "csv": "csvfile",
    "docx": "docx",
    "pdf": "pdf",
    "xlsx": "xlsx",
    "doc": "legacy",
    "xls": "legacy",
    "ppt": "legacy",
    "rtf": "rtf",
    "pptx": "pptx",
    "odt": "odf",
    "ods": "odf",
    "odp": "odf",
    "ofd": "ofd",
    "eml": "mail",
    "mht": "mail",
    "zip": "bundle",
    **{fmt: "image" for fmt in IMAGE_FORMATS},
}


def extractor_for(fmt: str) -> Extractor | None:
    name = FORMAT_MODULES.get(fmt)
    if name is None:
        return None
    module = importlib.import_module(f"secreview.extract.{name}")
    return module.extract  # type: ignore[no-any-return]


def read_input(path: str | Path, limits: Limits) -> bytes:
    """Read a file's bytes, refusing directories, missing paths and oversize files."""
    p = Path(path)
    if not p.exists():
        raise NotFound(f"找不到文件：{p}（file not found）")
    if p.is_dir():
        raise NotFound(f"这是一个文件夹，不是文件：{p}（use --recursive to scan a folder）")
    size = p.stat().st_size
    if size > limits.max_file_bytes:
        raise TooLarge(
            f"文件过大：{size / 1048576:.1f} MB，超过上限 {limits.max_file_bytes / 1048576:.0f} MB"
        )
    try:
        return p.read_bytes()
    except OSError as e:
        raise CorruptFile(f"无法读取文件：{p}（{e.strerror}）") from e


def extract_bytes(data: bytes, path: str, limits: Limits) -> Document:
    if not data:
        raise CorruptFile("文件为空（empty file）")
    fmt = detect_format(data, path)
    extractor = extractor_for(fmt)
    if extractor is None:
        raise UnsupportedFormat(f"不支持的文件格式：{fmt}")
    doc = extractor(data, path, limits)
    total = sum(len(s.text) for s in doc.segments)
    if total > limits.max_text_chars:
        raise TooLarge(f"文本过长：{total} 字符，超过上限 {limits.max_text_chars}")
    return doc


def extract_file(path: str | Path, limits: Limits) -> Document:
    return extract_bytes(read_input(path, limits), str(path), limits)

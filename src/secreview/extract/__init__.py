"""Text extraction: the format is decided from the bytes, never from the file name.

Each format module exposes ``extract(data: bytes, path: str, limits: Limits) -> Document``
and yields located segments in reading order. ``extract_file`` is the one entry point.
"""

from __future__ import annotations

import importlib
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from secreview.config import Limits
from secreview.errors import CorruptFile, NotFound, NotRegularFile, TooLarge, UnsupportedFormat
from secreview.extract import ocr
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


@contextmanager
def open_regular(path: str | Path) -> Iterator[BinaryIO]:
    """Open a regular file for reading; refuse folders, missing paths, FIFOs, devices, sockets.

    The file is opened non-blocking (a FIFO without a writer cannot hang us) and checked with
    fstat on the open descriptor, so a path swapped between the check and the open is caught.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise NotFound(f"找不到文件：{p}（file not found）") from None
    except OSError as e:
        raise CorruptFile(f"无法读取文件：{p}（{e.strerror}）") from e
    if stat.S_ISDIR(st.st_mode):
        if not os.access(p, os.R_OK | os.X_OK):
            raise NotFound(f"无法进入文件夹（没有读取权限）：{p}")
        raise NotFound(
            f"这是一个文件夹，不是文件：{p}（审查文件夹请加 --recursive；"
            "文件夹里链接到其他文件夹的快捷方式不会展开）"
        )
    _require_regular(p, st.st_mode)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise CorruptFile(f"无法读取文件：{p}（{e.strerror}）") from e
    with os.fdopen(fd, "rb", buffering=0) as fh:
        _require_regular(p, os.fstat(fd).st_mode)
        yield fh


def read_input(path: str | Path, limits: Limits) -> bytes:
    """A regular file's bytes (see ``open_regular``); the size limit counts what is read."""
    chunks: list[bytes] = []
    size = 0
    with open_regular(path) as fh:
        while True:
            try:
                chunk = fh.read(min(1 << 20, limits.max_file_bytes + 1 - size))
            except OSError as e:
                raise CorruptFile(f"无法读取文件：{path}（{e.strerror}）") from e
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limits.max_file_bytes:
                raise TooLarge(f"文件过大：超过上限 {limits.max_file_bytes / 1048576:.0f} MB")
    return b"".join(chunks)


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字（socket）"),
)


def _require_regular(p: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "特殊文件")
    raise NotRegularFile(f"不是普通文件，而是{kind}，无法审查：{p}")


def extract_bytes(data: bytes, path: str, limits: Limits, fmt: str | None = None) -> Document:
    """``fmt``: what ``detect_format(data, path)`` gave, when the caller already asked."""
    if not data:
        raise CorruptFile("文件为空（empty file）")
    if fmt is None:
        fmt = detect_format(data, path)
    extractor = extractor_for(fmt)
    if extractor is None:
        raise UnsupportedFormat(f"不支持的文件格式：{fmt}")
    with ocr.shared_budget(limits.ocr_seconds):  # one OCR budget for the file and all inside it
        doc = extractor(data, path, limits)
    total = sum(len(s.text) for s in doc.segments)
    if total > limits.max_text_chars:
        raise TooLarge(f"文本过长：{total} 字符，超过上限 {limits.max_text_chars}")
    return doc


def extract_file(path: str | Path, limits: Limits) -> Document:
    return extract_bytes(read_input(path, limits), str(path), limits)

"""OCR for pictures and scanned pages: RapidOCR (PP-OCRv4 Chinese models shipped inside the
``rapidocr-onnxruntime`` wheel, run by onnxruntime on the CPU). An optional extra:
``pip install secreview[ocr]``; without it ``available()`` is False and callers report the
picture as unread (``review``), never as passed.

Recognised lines are grouped into paragraphs (a line that reaches the right edge of the
text block continues on the next one, so an ID number wrapped over two lines is one piece
of text) and located as ``ocr`` with ``page`` and ``bbox`` (x0, top, x1, bottom).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from secreview.errors import MissingTool
from secreview.model import Location, Segment, Span

log = logging.getLogger(__name__)

ENGINE = "rapidocr-onnxruntime"
MIN_SIDE = 12  # thinner pictures (rules, borders) cannot hold a legible line of text
# RapidOCR scales a picture so that its shorter side is 736 px before detecting text (a
# 300×28 line would become 7900×736). A smaller picture is instead placed on a white canvas
# of the smallest of these sizes that holds it, and the detector run at that size: text
# keeps its own size (read as well), and a 64×64 icon costs 0.03 s of CPU instead of 0.4.
DETECT_SIDES = (256, 512, 736)


class _Budget:
    """One OCR budget: starts at the first OCR that draws on it (``deadline``)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stop_at: float | None = None


# When OCR time runs out for the file being scanned (one budget for a DOCX with 50 pictures
# or a ZIP of 50 scans, not 50): set by ``shared_budget`` around a file's extraction and
# around a container's members. Measured in CPU time of the process (all threads), like the
# pipeline's per-file budget, so OCR stops — and lists the pictures and pages left — before
# the file's budget turns the whole scan into a time-out.
_budget: ContextVar[_Budget | None] = ContextVar("secreview_ocr_budget", default=None)


def now() -> float:
    """The clock OCR budgets are measured on: CPU seconds used by this process."""
    return time.process_time()


@contextmanager
def shared_budget(seconds: float) -> Iterator[None]:
    """OCR inside this block shares one budget of ``seconds`` CPU time, counted from the
    first OCR inside it (the outermost block wins)."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def deadline(seconds: float) -> float:
    """The ``now()`` at which OCR must stop: the shared budget's, else ``seconds`` from now."""
    shared = _budget.get()
    if shared is None:
        return now() + seconds
    if shared.stop_at is None:
        shared.stop_at = now() + shared.seconds
    return shared.stop_at


@dataclass(frozen=True)
class OcrLine:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


@functools.cache
def _engine() -> Any:
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def recognize(image: Any) -> list[OcrLine]:
    """Lines of text in a PIL image, top to bottom. Raises nothing for an empty picture."""
    import numpy as np

    if min(image.size) < MIN_SIDE:
        return []
    try:
        engine = _engine()
    except (ImportError, OSError, RuntimeError) as e:  # a broken onnxruntime/opencv install
        raise MissingTool(
            f"OCR 组件无法加载（{type(e).__name__}: {e}），图片无法审查；"
            "请重新安装：pip install 'secreview[ocr]'"
        ) from e
    canvas, side = _prepared(image)
    detector: Any = getattr(engine, "text_det", None)
    default = getattr(detector, "limit_side_len", None)
    if isinstance(default, int) and side < default:
        detector.limit_side_len = side  # read by RapidOCR at each call (1.4: get_preprocess)
    try:
        result, _elapsed = engine(np.asarray(canvas))
    finally:
        if isinstance(default, int):
            detector.limit_side_len = default
    out: list[OcrLine] = []
    for box, text, score in result or ():
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        text = str(text).strip()
        if text:
            out.append(OcrLine(text, min(xs), min(ys), max(xs), max(ys), float(score)))
    return out  # RapidOCR sorts its boxes top to bottom, left to right


def _prepared(image: Any) -> tuple[Any, int]:
    """RGB on white (transparent pixels become paper, not black), and the detector's size:
    a picture smaller than the largest of ``DETECT_SIDES`` is placed at the top-left of a
    white canvas of the smallest size that holds it (boxes keep the picture's own pixel
    coordinates)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(paper, rgba).convert("RGB")
    else:
        rgb = image.convert("RGB")
    width, height = rgb.size
    largest = DETECT_SIDES[-1]
    if min(width, height) >= largest:
        return rgb, largest
    side = next((s for s in DETECT_SIDES if max(width, height) <= s), largest)
    canvas = Image.new("RGB", (max(width, side), max(height, side)), "white")
    canvas.paste(rgb, (0, 0))
    return canvas, side


def paragraphs(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Group lines into paragraphs: a line continues the previous one when that one ran to
    the right edge of the text block and this one starts at its left edge, just below."""
    if not lines:
        return []
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    groups: list[list[OcrLine]] = []
    for ln in lines:
        if groups:
            prev = groups[-1][-1]
            h = max(prev.height, ln.height, 1.0)
            if (
                prev.x1 >= right - 1.5 * h
                and ln.x0 <= left + 0.8 * h
                and 0 <= ln.top - prev.top <= 2.5 * h
            ):
                groups[-1].append(ln)
                continue
        groups.append([ln])
    return groups


def segments(lines: list[OcrLine], page: int, scale: float = 1.0) -> list[Segment]:
    """OCR paragraphs as ``ocr`` segments; ``scale`` converts pixel boxes (e.g. to pt).
    Each line of a paragraph is a span with its own box."""
    out: list[Segment] = []
    for n, group in enumerate(paragraphs(lines), start=1):
        text = ""
        spans: list[Span] = []
        for ln in group:
            start = len(text)
            text += ln.text
            spans.append(
                Span(
                    start,
                    len(text),
                    Location(part="ocr", page=page, paragraph=n, bbox=_box(ln, scale)),
                )
            )
        x0 = min(ln.x0 for ln in group)
        x1 = max(ln.x1 for ln in group)
        box = OcrLine("", x0, group[0].top, x1, group[-1].bottom, 0.0)
        loc = Location(part="ocr", page=page, paragraph=n, bbox=_box(box, scale))
        out.append(Segment(text, loc, tuple(spans) if len(spans) > 1 else ()))
    return out


def _box(ln: OcrLine, scale: float) -> tuple[float, float, float, float]:
    return (
        round(ln.x0 * scale, 1),
        round(ln.top * scale, 1),
        round(ln.x1 * scale, 1),
        round(ln.bottom * scale, 1),
    )

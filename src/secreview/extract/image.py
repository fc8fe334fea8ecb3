"""Pictures (PNG/JPG/TIFF/BMP/GIF/WebP): text by OCR, and the metadata a camera or editor
leaves in the file (EXIF author and GPS position, PNG text chunks) as residue.

The picture's size is checked before it is decoded (``Limits.max_image_pixels``: a small
file can declare a gigantic canvas); every page of a multi-page TIFF is read, of an
animation only the first frame. Without the OCR extra the picture is reported as not
readable (``review``), never passed.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from secreview.config import Limits
from secreview.errors import CorruptFile, TooLarge
from secreview.extract import ocr
from secreview.extract.detect import detect_format
from secreview.extract.image_meta import read_image_meta
from secreview.extract.people import looks_like_person_name
from secreview.model import Document, Location, ResidueNote, Segment, Span

AUTHOR_FIELDS = frozenset({"Artist", "XPAuthor", "CameraOwnerName", "PNG:Author"})
PNG_KEYS = ("Author", "Title", "Description", "Comment", "Copyright", "Software", "Source")
MULTI_PAGE = frozenset({"tiff"})


def _metadata(im: Any, data: bytes, path: str) -> list[tuple[str, str]]:
    """EXIF (read by ``image_meta``, as for pictures inside DOCX/XLSX), PNG text chunks and
    the JPEG comment, as (field, value)."""
    meta = read_image_meta(path, data)
    fields: list[tuple[str, str]] = list(meta.fields) if meta is not None else []
    text = getattr(im, "text", None) if im.format == "PNG" else None
    for key in PNG_KEYS:
        chunk = (text or {}).get(key)
        if isinstance(chunk, str) and chunk.strip():
            fields.append((f"PNG:{key}", chunk.strip()[:2000]))
    comment = im.info.get("comment")
    if isinstance(comment, bytes) and comment.strip():
        fields.append(("JPEG:Comment", comment.decode("utf-8", "ignore").strip()[:2000]))
    return fields


def _metadata_note(doc: Document, fields: list[tuple[str, str]]) -> None:
    if not fields:
        return
    for name, value in fields:
        doc.metadata.setdefault(name, value)
        doc.segments.append(Segment(value, Location(part="metadata", field=name)))
    gps = next((v for k, v in fields if k == "GPS"), None)
    authors = [(k, v) for k, v in fields if k in AUTHOR_FIELDS]
    if gps or authors:
        bits = []
        if gps:
            bits.append(f"拍摄位置（GPS {gps}）")
        if authors:
            who = authors[0][1]
            bits.append(
                f"作者「{who}」" + ("（像是个人姓名）" if looks_like_person_name(who) else "")
            )
        doc.residue.append(
            ResidueNote(
                "image_metadata",
                f"图片文件中保存有{'、'.join(bits)}，读者查看图片属性即可看到；"
                "请在发布前清除图片的 EXIF 信息（属性→详细信息→删除属性和个人信息）",
                Location(part="metadata", field="GPS" if gps else authors[0][0]),
                count=len(fields),
                severity="review",
                sample=gps or authors[0][1],
            )
        )
        return
    listed = "、".join(k for k, _ in fields[:6])
    doc.residue.append(
        ResidueNote(
            "image_metadata",
            f"图片文件含 {len(fields)} 项属性信息（{listed}），请确认可以公开",
            Location(part="metadata", field=fields[0][0]),
            count=len(fields),
            severity="info",
            sample=f"{fields[0][0]}: {fields[0][1]}",
        )
    )


def open_image(data: bytes, limits: Limits) -> Any:
    """A PIL image, its canvas checked against ``limits.max_image_pixels`` before decoding."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise TooLarge("图片尺寸过大，疑似恶意构造的文件（decompression bomb）") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise CorruptFile(f"图片文件已损坏，无法打开（{e}）") from e
    _check_size(im, limits)
    return im


def _check_size(im: Any, limits: Limits) -> None:
    width, height = im.size
    if width * height > limits.max_image_pixels:
        raise TooLarge(
            f"图片尺寸过大（{width}×{height} 像素，上限 {limits.max_image_pixels // 1_000_000} 百万像素）"
        )


# --- pictures placed in documents (DOCX, XLSX, PPTX, ODF) ---------------------------------
# A picture is decorative — a bullet, checkbox or small icon — when both its sides are under
# 40 px (at most one or two glyphs), or it is thinner than ``ocr.MIN_SIDE`` (a rule or a
# border). Anything larger is read: OCR of a small picture is cheap (0.03–0.2 s of CPU for
# 64–120 px, see ``ocr.DETECT_SIDES``), and a small picture is where a marking pasted as a
# picture or a stamp lives ("秘密★1年" at 16 px is 82×24; a 64 px "机密" stamp reads). A
# scanned page is never small.
DECORATIVE_SIDE = 40
# Without OCR, a picture that could hold a paragraph of legible text — 60 000 pixels (a
# 300×200 screenshot; an A4 page is legible from ~50 dpi, 410×580) with no side under
# 100 px — is reported as unread; logos (300×100) and seals (200×200) are not.
UNREAD_PIXELS = 60_000
UNREAD_SIDE = 100
# A picture OCR found no text in is left for a person when it looks like paper: large, and
# mostly light with some dark marks (a scan OCR could not read: handwriting, a faint copy),
# unlike a photo or a blank background.
PAPER_SIDE = 400


@dataclass(frozen=True)
class Picture:
    """A picture placed in a document: its file name in the package, its bytes, and where
    it is (``where``: slide/page, host paragraph or sheet and cell; ``where.field``, when
    set, is the field its text gets, e.g. ``header:image2.png``)."""

    name: str
    data: bytes
    where: Location = Location(part="ocr")


def is_decorative(width: int, height: int) -> bool:
    small, large = sorted((width, height))
    return small < ocr.MIN_SIDE or large < DECORATIVE_SIDE


def could_hold_text(width: int, height: int) -> bool:
    """Large enough to hold a paragraph of legible text (the no-OCR threshold)."""
    return width * height >= UNREAD_PIXELS and min(width, height) >= UNREAD_SIDE


def _looks_like_paper(im: Any) -> bool:
    if min(im.size) < PAPER_SIDE:
        return False
    from PIL import Image

    gray = im.convert("L")
    step = max(1, int((gray.width * gray.height / 4_000_000) ** 0.5))
    if step > 1:  # sampled, not averaged: thin strokes stay dark
        gray = gray.resize((gray.width // step, gray.height // step), Image.Resampling.NEAREST)
    hist = gray.histogram()
    total = sum(hist) or 1
    light = sum(hist[200:]) / total
    ink = sum(hist[:128]) / total
    # one line of 16 pt text on an A4 page is 0.06 % of its pixels
    return light >= 0.6 and ink >= 0.0003


def _size(data: bytes) -> tuple[int, int] | None:
    """A picture's pixel size from its header (nothing decoded); None if PIL cannot read it."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as im:
                width, height = im.size
                return (int(width), int(height)) if im.format in RASTER else None
    except Exception:  # noqa: BLE001 — unreadable header: not a picture we can OCR
        return None


RASTER = frozenset({"PNG", "JPEG", "MPO", "GIF", "BMP", "DIB", "TIFF", "WEBP", "JPEG2000"})
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".gif", ".bmp", ".tif", ".tiff", ".webp")


def read_pictures(doc: Document, pictures: Iterable[Picture], limits: Limits, what: str) -> None:
    """OCR the pictures placed in a document (once each, in document order).

    With the OCR extra: text as ``ocr`` segments at the picture's ``where`` (``paragraph``
    = the host paragraph where known, else the paragraph inside the picture; ``bbox`` in
    the picture's pixels; ``field`` = the picture's name); the file's one OCR budget is
    shared, and the pictures it leaves are listed for review. Without it: a picture that
    could hold text is listed as unread (review). Decorative pictures are skipped either way.
    """
    have_ocr: bool | None = None  # asked at the first picture (a document without any, the
    # common case, does not pay for the look-up)
    stop_at: float | None = None  # the budget starts with the first picture read
    read: list[str] = []
    left: list[Picture] = []
    blank_paper: list[Picture] = []
    unread: list[Picture] = []
    seen: set[str] = set()
    for pic in pictures:
        if pic.name in seen:
            continue
        seen.add(pic.name)
        if have_ocr is None:
            have_ocr = ocr.available()
        size = _size(pic.data)
        if size is None:
            if pic.name.lower().endswith(RASTER_SUFFIXES):  # a photo PIL cannot open
                (left if have_ocr else unread).append(pic)
            continue  # vector drawings (EMF/WMF/SVG): not read
        if is_decorative(*size):
            continue
        if not have_ocr:
            if could_hold_text(*size):
                unread.append(pic)
            continue
        if stop_at is None:
            stop_at = ocr.deadline(limits.ocr_seconds)
        if ocr.now() >= stop_at:
            left.append(pic)
            continue
        doc.facts.setdefault("ocr_pictures", []).append(pic.name)
        try:
            im = open_image(pic.data, limits)
            with im:
                im.load()
                found = ocr.recognize(im)
                paper = not found and _looks_like_paper(im)
        except (TooLarge, CorruptFile, OSError, ValueError, SyntaxError, EOFError):
            left.append(pic)
            continue
        _add_picture_text(doc, pic, found)
        if found:
            read.append(pic.name)
        elif paper:
            blank_paper.append(pic)
    _picture_notes(doc, what, read, left, blank_paper, unread)


def _add_picture_text(doc: Document, pic: Picture, found: list[ocr.OcrLine]) -> None:
    where = pic.where
    field = where.field or pic.name
    for seg in ocr.segments(found, where.page or 1):
        paragraph = where.paragraph if where.paragraph is not None else seg.location.paragraph

        def place(loc: Location, paragraph: int | None = paragraph) -> Location:
            return where.with_(part="ocr", paragraph=paragraph, field=field, bbox=loc.bbox)

        spans = tuple(Span(s.start, s.end, place(s.location)) for s in seg.spans)
        doc.segments.append(Segment(seg.text, place(seg.location), spans))


def _names(pics: list[Picture]) -> str:
    return "、".join(p.name for p in pics[:5]) + (f" 等 {len(pics)} 张" if len(pics) > 5 else "")


def _picture_notes(
    doc: Document,
    what: str,
    read: list[str],
    left: list[Picture],
    blank_paper: list[Picture],
    unread: list[Picture],
) -> None:
    def where(pic: Picture) -> Location:
        return pic.where.with_(part="image_only_page", field=pic.where.field or pic.name)

    if read:
        doc.residue.append(
            ResidueNote(
                "ocr",
                f"{what}中的 {len(read)} 张图片含文字，已由 OCR 识别，识别结果可能有误，请核对原图",
                Location(part="ocr", field=read[0]),
                count=len(read),
                severity="info",
                sample="、".join(read[:5]),
            )
        )

    def note(kind: str, message: str, pics: list[Picture]) -> None:
        doc.residue.append(
            ResidueNote(kind, message, where(pics[0]), count=len(pics), sample=_names(pics))
        )

    if left:
        note(
            "ocr_skipped",
            f"{what}中有 {len(left)} 张图片未经 OCR 识别（超出 OCR 时间上限或无法读取：{_names(left)}），"
            "需人工核对",
            left,
        )
    if blank_paper:
        note(
            "ocr_empty",
            f"{what}中有 {len(blank_paper)} 张像是文件扫描件的图片未识别出文字（{_names(blank_paper)}）；"
            "如其中有文字（手写、复印件），需人工核对",
            blank_paper,
        )
    if unread:
        note(
            "image_unread",
            f"{what}中有 {len(unread)} 张图片（{_names(unread)}），图片中的文字无法自动审查"
            "（本机未安装 OCR 组件：pip install 'secreview[ocr]'），需人工核对",
            unread,
        )


def read_pages(
    doc: Document,
    frames: Iterable[tuple[int, Any]],
    pages: list[int],
    limits: Limits,
    what: str = "图片",
) -> None:
    """OCR each (page number, PIL image) into ``ocr`` segments and leave the residue note
    that tells what was read, what was not, and that OCR text must be checked. ``frames``
    is consumed lazily (one decoded page in memory at a time); ``pages`` lists them all."""
    if not pages:
        return
    if not ocr.available():
        doc.residue.append(
            ResidueNote(
                "image_unread",
                f"{what}中的文字无法自动审查（本机未安装 OCR 组件：pip install 'secreview[ocr]'），"
                "需人工核对" + (f"（共 {len(pages)} 页）" if len(pages) > 1 else ""),
                Location(part="image_only_page", page=pages[0]),
                count=len(pages),
            )
        )
        return
    stop_at = ocr.deadline(limits.ocr_seconds)
    read: list[int] = []
    empty: list[int] = []
    big: list[int] = []
    done: set[int] = set()
    lines = 0
    for number, image in frames:
        if ocr.now() >= stop_at:
            break
        try:
            found = ocr.recognize(image)
        except (OSError, ValueError, SyntaxError) as e:
            raise CorruptFile(f"{what}第{number}页无法解码（{e}）") from e
        segs = ocr.segments(found, number, getattr(image, "secreview_scale", 1.0))
        doc.segments.extend(segs)
        lines += len(found)
        done.add(number)
        if segs:
            read.append(number)
        else:
            empty.append(number)
            if min(image.size) >= 400:
                big.append(number)
    skipped = [n for n in pages if n not in done]
    doc.facts["ocr_pages"] = read
    _ocr_notes(doc, len(pages) == 1, read, big, skipped, lines, what)


def _pages(numbers: list[int]) -> str:
    return "、".join(str(n) for n in numbers[:20]) + (" 等" if len(numbers) > 20 else "")


def _ocr_notes(
    doc: Document,
    single: bool,
    read: list[int],
    big: list[int],
    skipped: list[int],
    lines: int,
    what: str,
) -> None:
    if read:
        where = "" if single else f"第{_pages(read)}页"
        doc.residue.append(
            ResidueNote(
                "ocr",
                f"{what}{where}的文字由 OCR 识别（{lines} 行），识别结果可能有误，请核对原图",
                Location(part="ocr", page=read[0]),
                count=len(read),
                severity="info",
            )
        )
    # A blank picture (a photo, a logo) has nothing to read; a document-sized one with no
    # text found may be a scan OCR could not read: a person looks.
    if big:
        where = "" if single else f"第{_pages(big)}页"
        doc.residue.append(
            ResidueNote(
                "ocr_empty",
                f"{what}{where}未识别出文字；如其中有文字（扫描件、照片中的文件），需人工核对",
                Location(part="image_only_page", page=big[0]),
                count=len(big),
            )
        )
    if skipped:
        doc.residue.append(
            ResidueNote(
                "ocr_skipped",
                f"{what}第{_pages(skipped)}页未经 OCR 识别（超出 OCR 时间上限或图片无法读取，"
                f"共 {len(skipped)} 页），需人工核对",
                Location(part="image_only_page", page=skipped[0]),
                count=len(skipped),
            )
        )


def _frames(im: Any, count: int, limits: Limits) -> Iterator[tuple[int, Any]]:
    for index in range(count):
        try:
            im.seek(index)
            _check_size(im, limits)
            im.load()
        except EOFError:
            return
        except (OSError, ValueError, SyntaxError) as e:
            raise CorruptFile(f"图片文件已损坏，第{index + 1}页无法解码（{e}）") from e
        yield index + 1, im


def extract(data: bytes, path: str, limits: Limits) -> Document:
    fmt = detect_format(data, path)
    doc = Document(path=path, format=fmt)
    im = open_image(data, limits)
    try:
        _metadata_note(doc, _metadata(im, data, path))
        count = int(getattr(im, "n_frames", 1) or 1) if fmt in MULTI_PAGE else 1
        if count > limits.max_pages:
            raise TooLarge(f"图片页数超过上限 {limits.max_pages} 页，请拆分后提交")
        doc.facts["pages"] = count
        read_pages(doc, _frames(im, count, limits), list(range(1, count + 1)), limits)
    finally:
        im.close()
    return doc

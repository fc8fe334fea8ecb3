"""EXIF of images embedded in a document: author, camera and GPS position (Pillow).

A photo pasted into a Word file keeps its EXIF block: whoever saves the picture out of the
published document reads the photographer's name and the place it was taken. Only the
metadata is read (``Image.open`` parses headers; pixels are never decoded).

``image_segments`` returns located ``metadata`` segments per image; ``add_image_notes``
adds them to a Document with one ``image_metadata`` residue note.
"""

from __future__ import annotations

import io
import logging
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field

from secreview.model import Document, Location, ResidueNote, Segment

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".png", ".webp", ".heic")
MAX_IMAGES = 500

# Base IFD tags that name or describe a person / a device
_TEXT_TAGS = {
    315: "Artist",
    33432: "Copyright",
    270: "ImageDescription",
    271: "Make",
    272: "Model",
    305: "Software",
}
_XP_TAGS = {40093: "XPAuthor", 40092: "XPComment", 40091: "XPTitle", 40095: "XPSubject"}
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_PEOPLE = ("Artist", "XPAuthor", "Copyright")


@dataclass
class ImageMeta:
    name: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    gps: str = ""

    @property
    def author(self) -> str:
        return next((v for k, v in self.fields if k in _PEOPLE), "")


def _text(value: object) -> str:
    if isinstance(value, bytes):
        for enc in ("utf-8", "gb18030"):
            try:
                return value.decode(enc).strip("\x00 ").strip()
            except UnicodeDecodeError:
                continue
        return ""
    if isinstance(value, str) and not value.isascii() and all(ord(c) < 0x100 for c in value):
        # Pillow reads EXIF ASCII fields as Latin-1; phones and editors put UTF-8/GBK there.
        return _text(value.encode("latin-1")) or value.strip("\x00 ").strip()
    return str(value).strip("\x00 ").strip() if value is not None else ""


def _xp(value: object) -> str:
    """Windows XP* tags: UTF-16-LE bytes (or a tuple of byte values)."""
    if isinstance(value, tuple):
        value = bytes(int(v) & 0xFF for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-16-le", errors="ignore").strip("\x00 ").strip()
    return _text(value)


def _degrees(value: object) -> float | None:
    try:
        d, m, s = (float(x) for x in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return d + m / 60 + s / 3600


def _gps(gps: dict[int, object]) -> str:
    lat, lon = _degrees(gps.get(2)), _degrees(gps.get(4))
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return ""
    ns = _text(gps.get(1)) or "N"
    ew = _text(gps.get(3)) or "E"
    return f"{lat:.5f}°{ns[:1]}, {lon:.5f}°{ew[:1]}"


def read_image_meta(name: str, data: bytes) -> ImageMeta | None:
    """The EXIF fields of one image, None when it has none (or is not an image we read)."""
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with pdfplumber; without it, nothing to read
        return None
    meta = ImageMeta(name)
    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
            for tag, label in _TEXT_TAGS.items():
                value = _text(exif.get(tag))
                if value:
                    meta.fields.append((label, value))
            for tag, label in _XP_TAGS.items():
                value = _xp(exif.get(tag))
                if value:
                    meta.fields.append((label, value))
            sub = exif.get_ifd(_EXIF_IFD)
            for tag, label in ((36867, "DateTimeOriginal"), (42032, "CameraOwnerName")):
                value = _text(sub.get(tag))
                if value:
                    meta.fields.append((label, value))
            meta.gps = _gps(dict(exif.get_ifd(_GPS_IFD)))
    except Exception as e:  # noqa: BLE001 — a broken picture is no reason to fail the document
        log.debug("no EXIF read from %s: %s", name, e)
        return None
    if meta.gps:
        meta.fields.append(("GPS", meta.gps))
    return meta if meta.fields else None


def add_image_notes(doc: Document, images: Iterable[tuple[str, bytes]]) -> None:
    """Segments for every EXIF field of ``images`` (name, bytes) and one residue note."""
    found: list[ImageMeta] = []
    for n, (name, data) in enumerate(images):
        if n >= MAX_IMAGES:
            break
        if not name.lower().endswith(IMAGE_SUFFIXES):
            continue
        meta = read_image_meta(name, data)
        if meta is None:
            continue
        found.append(meta)
        base = posixpath.basename(name)
        for label, value in meta.fields:
            doc.segments.append(
                Segment(value, Location(part="metadata", field=f"image:{base}:{label}"))
            )
    if not found:
        return
    located = [m for m in found if m.gps]
    authored = [m for m in found if m.author]
    bits: list[str] = []
    if located:
        bits.append(f"拍摄位置 GPS（如 {posixpath.basename(located[0].name)}：{located[0].gps}）")
    if authored:
        bits.append(f"作者「{authored[0].author}」")
    severity = "review" if located or authored else "info"
    what = "、".join(bits) if bits else "相机型号、拍摄时间等属性"
    first = located[0] if located else authored[0] if authored else found[0]
    doc.residue.append(
        ResidueNote(
            "image_metadata",
            f"文档中的 {len(found)} 张图片带有 EXIF 信息：{what}；读者把图片另存下来即可看到，"
            "请清除图片属性（或截图后重新插入）再发布",
            Location(part="metadata", field=f"image:{posixpath.basename(first.name)}"),
            count=len(found),
            severity=severity,
            sample=first.gps or first.author or first.fields[0][1],
        )
    )

"""Render notices as images, the way a scanner or a screenshot would deliver them.

Pillow draws the text with a CJK font from a Debian package (fonts-wqy-zenhei, or
fonts-noto-cjk); tests that need it skip with a reason when neither is installed.
The text is our own.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
DEBIAN_FONT_PACKAGE = "fonts-wqy-zenhei"

# A4 in inches; official documents use 16 pt (三号) body text.
A4_INCHES = (8.27, 11.69)

NOTICE = (
    "秘密★1年",
    "关于做好二〇二四年防汛工作的通知",
    "各乡镇人民政府、街道办事处，区直各部门：",
    "为切实做好今年汛期各项准备工作，确保人民群众生命财产安全，现就有关事项通知如下。",
    "一、各单位要在五月底前完成水库、河道和低洼地带的隐患排查，建立台账。",
    "二、值班人员须二十四小时在岗，发现险情立即报告区防汛办公室。",
    "三、联系人：王建国，身份证号 370402198506154213，电话以值班表为准。",
    "四、物资储备库要补齐沙袋、救生衣和抽水设备，并于六月十日前报送清单。",
    "特此通知。",
    "区防汛抗旱指挥部办公室",
    "二〇二四年四月十二日",
)

# A second notice: a list with numbers, a date and a marking in the middle of the page.
NOTICE2 = (
    "关于公布二〇二三年度农村危房改造补助对象的公示",
    "根据县住房和城乡建设局审核结果，现将补助对象名单公示如下：",
    "1. 李秀英，东关村，补助金额 25000 元；",
    "2. 赵德明，西营村，补助金额 18000 元；",
    "3. 孙桂兰，南湖村，补助金额 21500 元，公民身份号码 11010519491231002X；",
    "机密★5年",
    "公示期为七个工作日，如有异议，请于公示期内向乡镇人民政府反映。",
    "监督电话：0632-1234567（工作日上午八时至下午五时）。",
    "某某县住房和城乡建设局",
    "二〇二三年十一月二十日",
)


def font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return None


def require_font() -> str:
    path = font_path()
    if path is None:
        pytest.skip(f"no CJK font here (install the Debian package {DEBIAN_FONT_PACKAGE})")
    return path


def render_page(
    lines: Sequence[str] = NOTICE,
    *,
    dpi: int = 150,
    size_pt: float = 16.0,
    font: str | None = None,
    skew: float = 0.0,
    noise: bool = False,
) -> Image.Image:
    """One A4 page at ``dpi`` with ``lines`` wrapped at the margins (black on white, grey L)."""
    font = font or require_font()
    width, height = (round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi))
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    px = round(size_pt * dpi / 72)
    face = ImageFont.truetype(font, px)
    margin = round(dpi * 1.0)
    room = width - 2 * margin
    y = margin
    for line in lines:
        while line:  # wrap by measured width, as a typesetter fills the line
            cut = 1
            while cut < len(line) and face.getlength(line[: cut + 1]) <= room:
                cut += 1
            chunk, line = line[:cut], line[cut:]
            draw.text((margin, y), chunk, fill=0, font=face)
            y += round(px * 1.6)
    if skew:
        page = page.rotate(skew, expand=False, fillcolor=255, resample=Image.Resampling.BICUBIC)
    if noise:
        import random

        rnd = random.Random(7)
        pixels = page.load()
        assert pixels is not None
        for _ in range(width * height // 200):
            pixels[rnd.randrange(width), rnd.randrange(height)] = rnd.choice((0, 200))
    return page


def render_line(text: str, *, px: int = 16, pad: int = 4, font: str | None = None) -> Image.Image:
    """One line of text cropped tight, as when a marking or a number is pasted as a picture."""
    face = ImageFont.truetype(font or require_font(), px)
    width = round(face.getlength(text)) + 2 * pad
    line = Image.new("L", (width, px + 2 * pad), 255)
    ImageDraw.Draw(line).text((pad, pad), text, fill=0, font=face)
    return line


def to_bytes(image: Image.Image, fmt: str = "PNG", **save_kw: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save_kw)
    return buf.getvalue()


def exif_bytes(*, artist: str = "", gps: tuple[float, float] | None = None) -> bytes:
    """EXIF with an author (Artist, XPAuthor) and a GPS position, as a camera/phone writes."""
    exif = Image.Exif()
    if artist:
        exif[0x013B] = artist.encode("utf-8")  # Artist (UTF-8, as phones write it)
        exif[0x9C9D] = artist.encode("utf-16-le") + b"\0\0"  # XPAuthor (Windows)
    if gps is not None:
        lat, lon = gps

        def dms(value: float) -> tuple[float, float, float]:
            deg = int(value)
            minutes = int((value - deg) * 60)
            seconds = round(((value - deg) * 60 - minutes) * 60, 2)
            return (float(deg), float(minutes), seconds)

        exif[0x8825] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    return exif.tobytes()

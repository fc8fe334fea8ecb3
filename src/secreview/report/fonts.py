"""The CJK font the printed 台账 embeds (a subset of it) so it reads the same on any machine.

reportlab embeds TrueType-outline fonts only (a .ttf, or one face of a .ttc collection);
OpenType/CFF fonts (NotoSansCJK's .otf/.ttc) are refused with a clear message. The font is
found, in this order:

1. the path given (``pdf_font`` in secreview.toml, or env ``SECREVIEW_PDF_FONT``);
2. the Debian packages' files: fonts-arphic-uming (AR PL UMing, a 宋体/明体 style, the
   Arphic Public License allows embedding), fonts-wqy-zenhei and fonts-wqy-microhei
   (GPL with a font-embedding exception);
3. a font bundled in the package at ``secreview/data/fonts/`` (none is shipped: the fonts
   above are 16–21 MB and copyleft; an office may put one there).

Without one, rendering fails with a message naming the package to install — never a PDF
whose Chinese characters are blank.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from secreview.config import BUNDLED_DIR
from secreview.errors import MissingTool, UsageError

ENV = "SECREVIEW_PDF_FONT"
# (file, face index inside a .ttc): the Simplified-Chinese face first
DEBIAN_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming: AR PL UMing CN
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
)
DEBIAN_PACKAGE = "fonts-arphic-uming"
# Characters the audit always prints: a font lacking any of them would print boxes.
REQUIRED_CHARS = "保密审查台账第页共签批（）：；、。0123456789ABCabc-_.「」…—"


@dataclass(frozen=True)
class AuditFont:
    name: str  # the name registered with reportlab
    path: Path
    index: int


_REGISTERED: dict[tuple[str, int], AuditFont] = {}


def _bundled() -> list[tuple[str, int]]:
    folder = BUNDLED_DIR / "fonts"
    if not folder.is_dir():
        return []
    return [(str(p), 0) for p in sorted(folder.iterdir()) if p.suffix.lower() in (".ttf", ".ttc")]


def _split(spec: str) -> tuple[str, int]:
    """``path`` or ``path#N`` (face N of a .ttc collection)."""
    path, sep, index = spec.rpartition("#")
    if sep and index.isdigit():
        return path, int(index)
    return spec, 0


def _load(path: str, index: int) -> AuditFont:
    key = (str(Path(path).resolve()), index)
    got = _REGISTERED.get(key)
    if got is not None:
        return got
    name = f"SecreviewCJK{len(_REGISTERED)}"
    try:
        font = TTFont(name, path, subfontIndex=index)
    except TTFError as e:
        why = str(e)
        if "postscript" in why.lower() or "cff" in why.lower():
            why = "这是 OpenType/CFF 轮廓字体，只能嵌入 TrueType 轮廓字体（.ttf/.ttc）"
        raise UsageError(f"PDF 字体 {path} 无法使用：{why}") from e
    except OSError as e:
        raise UsageError(f"PDF 字体 {path} 无法读取：{e.strerror or e}") from e
    missing = [ch for ch in REQUIRED_CHARS if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise UsageError(
            f"PDF 字体 {path} 缺少中文字符（如「{''.join(missing[:5])}」），请换用中文字体"
        )
    pdfmetrics.registerFont(font)
    got = _REGISTERED[key] = AuditFont(name, Path(path), index)
    return got


def audit_font(configured: str | Path | None = None) -> AuditFont:
    """The font for the printed audit, registered with reportlab (once per process)."""
    spec = str(configured) if configured else os.environ.get(ENV, "")
    if spec:
        path, index = _split(spec)
        if not Path(path).is_file():
            raise UsageError(f"找不到配置的 PDF 字体文件：{path}")
        return _load(path, index)
    for path, index in (*DEBIAN_FONTS, *_bundled()):
        if Path(path).is_file():
            return _load(path, index)
    raise MissingTool(
        "生成 PDF 台账需要可嵌入的中文 TrueType 字体，但未找到："
        f"请安装 Debian 软件包 {DEBIAN_PACKAGE}（apt-get install {DEBIAN_PACKAGE}），"
        f'或在 secreview.toml 中设置 pdf_font = "字体文件.ttf"（也可用环境变量 {ENV}）'
    )

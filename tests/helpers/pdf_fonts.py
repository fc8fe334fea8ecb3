"""What `pdffonts` (poppler-utils) says about a PDF's fonts; the CJK font the audit needs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def require_cjk_font() -> None:
    """Skip (with the package to install) when no embeddable CJK TrueType font is present."""
    from secreview.errors import MissingTool
    from secreview.report.fonts import audit_font

    try:
        audit_font()
    except MissingTool as e:
        pytest.skip(f"no CJK TrueType font (apt-get install fonts-arphic-uming): {e.message}")


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """One dict per font: name, type, emb, sub (pdffonts' columns)."""
    tool = shutil.which("pdffonts")
    if tool is None:
        pytest.skip("pdffonts not installed (apt-get install poppler-utils)")
    out = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["name", "type", "encoding"], out
    fonts = []
    for line in lines[2:]:
        cols = line.split()
        # name type(1–2 words) encoding emb sub uni object ID
        fonts.append({"name": cols[0], "emb": cols[-5], "sub": cols[-4], "line": line})
    return fonts

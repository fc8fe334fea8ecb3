"""Legacy binary formats (.doc/.wps/.xls/.et/.ppt/.dps/.rtf) via LibreOffice, when it is installed.

The file is converted in a private temporary directory with a time limit, then read by
the DOCX/XLSX/PPTX extractor. Without LibreOffice the error is ``missing_tool``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from secreview.config import Limits
from secreview.errors import CorruptFile, MissingTool, Timeout
from secreview.extract.detect import detect_format
from secreview.model import Document

_TARGET = {"doc": "docx", "rtf": "docx", "xls": "xlsx", "ppt": "pptx"}


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def convert(soffice: str, src: Path, target: str, workdir: Path, seconds: float) -> None:
    """``soffice --convert-to target`` with its own profile in ``workdir`` and a time limit.

    A fresh profile per run means no lock shared with a running LibreOffice and no state
    kept between files. LibreOffice runs in its own process group, so a timeout kills the
    whole tree (soffice starts soffice.bin), not just the launcher.
    """
    profile = workdir / "profile"
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--convert-to",
        target,
        "--outdir",
        str(workdir),
        str(src),
    ]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(workdir)},
        start_new_session=True,
    )
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired as e:
        raise Timeout(f"LibreOffice 转换超时（超过 {seconds:.0f} 秒）") from e
    finally:  # also on success: no helper process of this conversion outlives it
        _kill_group(proc.pid)
        proc.wait()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def extract(data: bytes, path: str, limits: Limits) -> Document:
    fmt = detect_format(data, path)
    target = _TARGET[fmt]
    soffice = find_soffice()
    if soffice is None:
        raise MissingTool(
            f"旧版 {fmt.upper()} 文件需要 LibreOffice 转换，但本机未安装 LibreOffice（soffice）；"
            f"请安装 LibreOffice，或另存为 {target.upper()} 后提交"
        )
    with tempfile.TemporaryDirectory(prefix="secreview-") as tmp:
        src = Path(tmp) / f"input.{fmt}"
        src.write_bytes(data)
        convert(soffice, src, target, Path(tmp), limits.convert_seconds)
        out = Path(tmp) / f"input.{target}"
        if not out.exists():
            raise CorruptFile(f"LibreOffice 无法转换此 {fmt.upper()} 文件（文件可能已损坏）")
        converted = out.read_bytes()
    from secreview.extract import docx, pptx, xlsx

    module = {"docx": docx, "xlsx": xlsx, "pptx": pptx}[target]
    doc = module.extract(converted, path, limits)
    doc.format = fmt
    return doc

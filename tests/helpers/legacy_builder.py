"""Real legacy Office files (.doc, .xls) for tests, made by LibreOffice from files that
python-docx / openpyxl write: the same conversion an office does with "另存为 Word 97-2003"."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
from openpyxl import Workbook

from tests.helpers.xlsx_builder import to_bytes

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _convert(src: Path, target: str, out_dir: Path) -> Path:
    assert SOFFICE is not None
    with tempfile.TemporaryDirectory(prefix="lo-fixture-") as profile:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out_dir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=120,
            env={"HOME": profile, "PATH": "/usr/bin:/bin"},
        )
    out = out_dir / f"{src.stem}.{target}"
    assert out.is_file(), f"LibreOffice did not write {out}"
    return out


def legacy_doc(path: Path, paragraphs: list[str]) -> Path:
    """A Word 97 .doc holding ``paragraphs``."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{path.stem}.docx"
        document.save(src)
        shutil.copy(_convert(src, "doc", Path(tmp)), path)
    return path


def legacy_xls(path: Path, rows: list[list[str]]) -> Path:
    """An Excel 97 .xls holding ``rows`` (as text cells)."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{path.stem}.xlsx"
        src.write_bytes(to_bytes(wb))
        shutil.copy(_convert(src, "xls", Path(tmp)), path)
    return path

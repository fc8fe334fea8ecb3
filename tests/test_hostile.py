"""Hostile and broken inputs: a clear error code, verdict "error", never a traceback or a hang.

Each input goes through ``pipeline.scan_file`` (with a 10 s per-file deadline, so a hang
would show as ``timeout`` instead of the expected code) and through the CLI.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from secreview.cli import main
from secreview.config import Config, Limits
from secreview.extract import legacy
from secreview.extract.detect import OLE_MAGIC
from secreview.pipeline import scan_file
from tests.helpers.xlsx_builder import plain_workbook, replace_member, to_bytes

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>"""


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory) -> Path:
    """A ~5 MB XLSX whose sheet inflates to 1.1 GB of zeros (streamed: fast and low-memory)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    chunk = b"\0" * (8 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(132):
                fh.write(chunk)
    return path


def _legacy_doc(path: Path) -> Path:
    data = OLE_MAGIC + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 1536
    path.write_bytes(data)
    return path


@pytest.fixture
def no_soffice(monkeypatch):
    """The real missing-tool path: LibreOffice is not on PATH and not found."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)


def _make(kind: str, tmp_path: Path, zip_bomb: Path) -> Path:
    if kind == "empty":
        p = tmp_path / "empty.txt"
        p.write_bytes(b"")
        return p
    if kind == "directory":
        p = tmp_path / "folder"
        p.mkdir()
        return p
    if kind == "missing":
        return tmp_path / "no-such-file.docx"
    if kind == "random":
        p = tmp_path / "x.xlsx"
        p.write_bytes(b"\x7f" + random.Random(20240501).randbytes(8191))
        return p
    if kind == "zip_bomb":
        return zip_bomb
    if kind == "billion_laughs":
        p = tmp_path / "laughs.xlsx"
        data = replace_member(to_bytes(plain_workbook()), "xl/sharedStrings.xml", BILLION_LAUGHS)
        p.write_bytes(data)
        return p
    if kind == "legacy_doc":
        return _legacy_doc(tmp_path / "旧文件.doc")
    raise AssertionError(kind)


CASES = [
    ("empty", {"corrupt_file"}),
    ("directory", {"not_found"}),
    ("missing", {"not_found"}),
    ("random", {"corrupt_file", "unsupported_format"}),
    ("zip_bomb", {"too_large"}),
    ("billion_laughs", {"corrupt_file"}),
    ("legacy_doc", {"missing_tool"}),
]


@pytest.fixture
def fast_config() -> Config:
    return replace(Config(), limits=Limits(seconds_per_file=10))


@pytest.mark.parametrize(("kind", "codes"), CASES, ids=[c[0] for c in CASES])
def test_scan_file_hostile(kind, codes, tmp_path, zip_bomb, no_soffice, fast_config):
    report = scan_file(_make(kind, tmp_path, zip_bomb), fast_config)
    assert report.verdict == "error"
    assert report.error is not None and report.error.code in codes, report.error
    assert report.findings == []
    assert report.error.message.strip() and "\n" not in report.error.message
    if kind == "legacy_doc":
        assert "LibreOffice" in report.error.message


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("kind", "codes"), CASES, ids=[c[0] for c in CASES])
def test_cli_hostile(kind, codes, fmt, tmp_path, zip_bomb, no_soffice, runner):
    path = _make(kind, tmp_path, zip_bomb)
    result = runner.invoke(main, ["scan", str(path), "--format", fmt])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(error_lines) == 1, result.stderr
    assert any(f"[{code}]" in error_lines[0] for code in codes), error_lines
    if kind == "legacy_doc":
        assert "LibreOffice" in error_lines[0]
    if fmt == "json":
        import json

        (item,) = json.loads(result.stdout)
        assert item["verdict"] == "error" and item["error"]["code"] in codes


def test_bad_file_among_good_ones(tmp_path, zip_bomb, runner):
    import json

    good1 = tmp_path / "a.txt"
    good1.write_text("本机关2023年度政府信息公开工作情况如下。", encoding="utf-8")
    good2 = tmp_path / "b.csv"
    good2.write_text("标题,密级\n年度计划,秘密★1年\n", encoding="gbk")
    paths = [good1, tmp_path / "missing.txt", zip_bomb, good2]
    result = runner.invoke(main, ["scan", *map(str, paths), "--format", "json"])
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r["path"] for r in reports] == [str(p) for p in paths]
    assert [r["verdict"] for r in reports] == ["pass", "error", "error", "block"]
    assert [r["error"]["code"] for r in reports if r["error"]] == ["not_found", "too_large"]
    assert len([ln for ln in result.stderr.splitlines() if ln.startswith("错误：")]) == 2

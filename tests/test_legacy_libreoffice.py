"""Legacy .doc and .xls through a real LibreOffice (issue 10). .ci/run installs Debian's
LibreOffice; where it is absent these tests skip with the reason (the missing_tool path is
tested in test_hostile.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from secreview.config import Config, Limits
from secreview.extract.detect import detect_format
from secreview.model import Report
from secreview.pipeline import scan_file
from tests.helpers.legacy_builder import SOFFICE, legacy_doc, legacy_xls
from tests.helpers.xlsx_builder import id_check_digit

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

ID17 = "11010519850317042"
RESIDENT_ID = ID17 + id_check_digit(ID17)


@pytest.fixture(scope="module")
def doc_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return legacy_doc(
        tmp_path_factory.mktemp("doc") / "旧通知.doc",
        ["机密★5年", "关于某项工作的情况通报", "联系人身份证号：" + RESIDENT_ID],
    )


@pytest.fixture(scope="module")
def xls_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return legacy_xls(
        tmp_path_factory.mktemp("xls") / "旧名单.xls",
        [["秘密★1年"], ["姓名", "身份证号"], ["张小明", RESIDENT_ID]],
    )


def _findings(path: Path) -> tuple[dict[str, dict], Report]:
    report = scan_file(path, Config(use_classifier=False))
    assert report.error is None, report.error
    return {f.rule: f.to_dict() for f in report.findings}, report


def test_doc_is_converted_and_its_marking_found(doc_file: Path) -> None:
    assert detect_format(doc_file.read_bytes(), str(doc_file)) == "doc"
    found, report = _findings(doc_file)
    assert report.format == "doc" and report.verdict == "block"
    assert found["marking.secret_level"]["text"].startswith("机密★5年")
    assert any(r.startswith("pii.") for r in found), sorted(found)


def test_xls_is_converted_and_its_marking_found(xls_file: Path) -> None:
    assert detect_format(xls_file.read_bytes(), str(xls_file)) == "xls"
    found, report = _findings(xls_file)
    assert report.format == "xls" and report.verdict == "block"
    assert found["marking.secret_level"]["location"]["part"] == "sheet"
    assert any(r.startswith("pii.") for r in found), sorted(found)


def test_wps_and_et_names_go_the_same_way(doc_file: Path, xls_file: Path, tmp_path: Path) -> None:
    """WPS Office saves .wps/.et in the same binary formats; the bytes decide, not the name."""
    wps = tmp_path / "文件.wps"
    wps.write_bytes(doc_file.read_bytes())
    et = tmp_path / "表格.et"
    et.write_bytes(xls_file.read_bytes())
    for path in (wps, et):
        report = scan_file(path, Config(use_classifier=False))
        assert report.verdict == "block", report.error


def test_conversion_timeout_kills_libreoffice(
    doc_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversion past its limit is a `timeout`, and no LibreOffice process is left."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this test's conversions only
    config = Config(limits=Limits(convert_seconds=0.3), use_classifier=False)
    started = time.monotonic()
    report = scan_file(doc_file, config)
    assert report.error is not None and report.error.code == "timeout"
    assert time.monotonic() - started < 10
    time.sleep(0.5)
    assert _conversions_running(under=tmp_path) == []


def _conversions_running(under: Path) -> list[str]:
    """Command lines of LibreOffice processes whose profile lies under ``under``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "UserInstallation=" in cmd and str(under) in cmd:
            found.append(cmd)
    return found

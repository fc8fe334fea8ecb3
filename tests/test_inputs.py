"""Only regular files are read (issue 10): FIFOs, devices, sockets and folders get their error
code at once, and reading itself counts against the size limit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secreview.config import Config, Limits
from secreview.errors import NotRegularFile, TooLarge
from secreview.extract import read_input
from secreview.pipeline import scan_file

SPECIAL = ["fifo", "dev_zero", "socket", "directory"]
CODES = {
    "fifo": "not_regular_file",
    "dev_zero": "not_regular_file",
    "socket": "not_regular_file",
    "directory": "not_found",
}


@pytest.fixture
def special(tmp_path: Path, request: pytest.FixtureRequest):
    kind = request.param
    if kind == "fifo":
        path = tmp_path / "管道.txt"
        os.mkfifo(path)  # no writer: a blocking open would hang for ever
        yield kind, path
    elif kind == "dev_zero":
        if not Path("/dev/zero").exists():
            pytest.skip("/dev/zero is absent on this machine")
        yield kind, Path("/dev/zero")
    elif kind == "socket":
        path = tmp_path / "s.sock"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(str(path))
            s.listen(1)
            yield kind, path
    else:
        path = tmp_path / "文件夹"
        path.mkdir()
        yield kind, path


@pytest.mark.parametrize("special", SPECIAL, indirect=True)
def test_scan_file_refuses_at_once(special) -> None:
    kind, path = special
    started = time.monotonic()
    report = scan_file(path, Config(use_classifier=False))
    assert time.monotonic() - started < 5
    assert report.verdict == "error" and report.error is not None
    assert report.error.code == CODES[kind], report.error
    assert "\n" not in report.error.message


@pytest.mark.parametrize("special", SPECIAL, indirect=True)
def test_cli_returns_within_5_seconds_with_the_code(special, tmp_path: Path) -> None:
    """A real `secreview scan` process on each special path: exit 2, one line, no hang."""
    kind, path = special
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "secreview", "scan", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=30,  # the assertion below is the real bound; this only keeps a hang finite
        cwd=tmp_path,
    )
    assert time.monotonic() - started < 5, "scan did not return within 5 s"
    assert proc.returncode == 2, proc.stderr
    (item,) = json.loads(proc.stdout)
    assert item["verdict"] == "error" and item["error"]["code"] == CODES[kind]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"[{CODES[kind]}]" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_fifo_is_refused_even_with_a_writer(tmp_path: Path) -> None:
    """A FIFO that does deliver data is still not a document (it could deliver for ever)."""
    path = tmp_path / "feed"
    os.mkfifo(path)
    writer = subprocess.Popen(["sh", "-c", f"yes 秘密★1年 > '{path}'"])
    try:
        with pytest.raises(NotRegularFile):
            read_input(path, Limits())
    finally:
        writer.kill()
        writer.wait()


def test_reading_counts_against_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * 5000)
    assert read_input(path, Limits(max_file_bytes=5000)) == b"a" * 5000
    with pytest.raises(TooLarge):
        read_input(path, Limits(max_file_bytes=4999))


def test_file_growing_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is applied to the bytes read, not to a size looked up before reading."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 100)
    real_stat = Path.stat

    def stat_then_grow(self: Path, *args, **kwargs):  # the lookup sees the old length …
        st = real_stat(self, *args, **kwargs)
        if self == path:
            path.write_bytes(b"x" * 5000)  # … and the file grows before it is read
        return st

    monkeypatch.setattr(Path, "stat", stat_then_grow)
    with pytest.raises(TooLarge):
        read_input(path, Limits(max_file_bytes=1000))

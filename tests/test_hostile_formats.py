"""Hostile inputs in the issue-14 formats: one line and an error code through the CLI."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from secreview.cli import main
from tests.helpers import ofd_builder as O
from tests.helpers import office_builder as B

LAUGHS = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><x>&a;&a;</x>'


def _swap(data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            zf.writestr(item, content if item.filename == name else src.read(item.filename))
    return out.getvalue()


def _bomb_bundle() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("说明.txt", "正文")
        zf.writestr("附件.txt", b"\0" * (8 << 20))  # ratio ~1000:1
    return buf.getvalue()


def _png_bomb() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _many_parts() -> bytes:
    lines = [
        b'MIME-Version: 1.0\r\nFrom: a@example.cn\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    ]
    for k in range(1200):
        lines.append(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % k)
    lines.append(b"--b--\r\n")
    return b"".join(lines)


CASES = {
    "encrypted_member.zip": (
        lambda: B.zip_bytes([("a.txt", b"x")], encrypt="a.txt"),
        "encrypted_file",
    ),
    "bomb_member.zip": (_bomb_bundle, "too_large"),
    "bomb.png": (_png_bomb, "too_large"),
    "truncated.jpg": (lambda: b"\xff\xd8\xff\xe0" + b"\0" * 20, "corrupt_file"),
    "dtd.pptx": (
        lambda: _swap(B.pptx_bytes([("一", ["二"])]), "ppt/slides/slide1.xml", LAUGHS),
        "corrupt_file",
    ),
    "dtd.odt": (lambda: _swap(B.odt_bytes(["一"]), "content.xml", LAUGHS), "corrupt_file"),
    "broken.ofd": (
        lambda: _swap(O.build(O.OfdSpec(pages=[["一"]])), "OFD.xml", b"<not-ofd/>"),
        "corrupt_file",
    ),
    "many_parts.eml": (_many_parts, "too_large"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_hostile_new_formats(name: str, tmp_path: Path, runner) -> None:
    build, code = CASES[name]
    path = tmp_path / name
    path.write_bytes(build())
    result = runner.invoke(main, ["scan", str(path), "--format", "json"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("错误：")]
    assert len(errors) == 1 and f"[{code}]" in errors[0], result.stderr
    (item,) = json.loads(result.stdout)
    assert item["verdict"] == "error" and item["error"]["code"] == code and item["findings"] == []

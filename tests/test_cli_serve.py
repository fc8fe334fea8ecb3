"""`secreview serve`: loopback by default, no plain HTTP elsewhere unless forced, one clear
line for a bad bind or a missing ledger; the real command serves the login page."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.cli import main
from secreview.cli.serve import parse_bind
from secreview.errors import UsageError
from tests.helpers.ledger import PYTHON, subprocess_env

pytest.importorskip("uvicorn", reason="the desk extra is not installed")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8765", ("127.0.0.1", 8765)),
        ("localhost:9000", ("localhost", 9000)),
        ("[::1]:8443", ("::1", 8443)),
        ("[::1]", ("::1", 8765)),
        (":8080", ("127.0.0.1", 8080)),
        ("0.0.0.0", ("0.0.0.0", 8765)),
    ],
)
def test_bind_addresses(text, expected):
    assert parse_bind(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1:0", "127.0.0.1:99999", "host:port", "[::1"])
def test_bad_bind_addresses(text):
    with pytest.raises(UsageError):
        parse_bind(text)


@pytest.mark.parametrize(
    "args",
    [
        ["--bind", "0.0.0.0:8765"],
        ["--bind", "192.0.2.10:8765"],
        ["--bind", "[::]:8765"],
        ["--bind", "0.0.0.0:8765", "--behind-tls-proxy"],  # a proxy forwards to loopback
    ],
)
def test_plain_http_off_loopback_is_refused(office, args):
    r = CliRunner().invoke(main, ["--db", str(office), "serve", *args])
    assert r.exit_code == 2
    assert r.stderr.startswith("错误：") and len(r.stderr.strip().splitlines()) == 1
    assert "--tls-cert" in r.stderr or "--insecure-bind" in r.stderr


def test_a_certificate_needs_its_key(office, tmp_path):
    cert = tmp_path / "desk.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["--db", str(office), "serve", "--tls-cert", str(cert)])
    assert r.exit_code == 2 and "--tls-key" in r.stderr


def test_a_missing_ledger_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["--db", str(tmp_path / "无.db"), "serve"])
    assert r.exit_code == 2 and "台账不存在" in r.stderr


def test_serve_answers_on_loopback(office: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = subprocess_env(office, "张三")
    proc = subprocess.Popen(
        [PYTHON, "-m", "secreview", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    page = r.read().decode("utf-8")
                    headers = r.headers
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the desk did not answer"
                time.sleep(0.2)
        assert "登录保密审查台" in page
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in {k.lower() for k in headers}  # no version banner
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "审查台已启动" in err and "Traceback" not in err

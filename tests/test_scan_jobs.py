"""`scan --jobs N` (issue 17): the worker pool sweep uses, the same output as one process.

Real processes: the CLI is run with ``python -m secreview`` on a folder of real files of
several formats, including ones that cannot be read and one that runs out of its CPU
budget, and with --jobs 2 it must print exactly what --jobs 1 prints, in the same order.
Ctrl-C (SIGINT to the process group) ends a pooled scan with one line and exit 130.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import docx_builder as db
from tests.helpers import pdf_builder as pb

SRC = Path(__file__).resolve().parents[1] / "src"


def _env(tmp_path: Path, seconds: float | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if seconds is not None:
        cfg = tmp_path / "secreview.toml"
        cfg.write_text(f"[limits]\nseconds_per_file = {seconds}\n", encoding="utf-8")
        env["SECREVIEW_CONFIG"] = str(cfg)
    return env


def _folder(tmp_path: Path) -> Path:
    docs = tmp_path / "待发布"
    docs.mkdir()
    for k in range(4):
        (docs / f"通知{k}.txt").write_text(
            f"关于第{k}季度工作的通知\n联系人身份证号：11010519491231002X\n", encoding="utf-8"
        )
    (docs / "公开.txt").write_text("本机关依法公开政府信息。\n", encoding="utf-8")
    (docs / "报告.pdf").write_bytes(pb.marking_pdf())
    d = db.new_document()
    d.add_paragraph("会议纪要：联系电话 13800138000。")
    (docs / "纪要.docx").write_bytes(db.to_bytes(d))
    (docs / "坏文件.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (docs / "空.txt").write_bytes(b"")
    (docs / "炸弹.pdf").write_bytes(pb.content_bomb_pdf())
    return docs


def _scan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secreview", "scan", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_jobs_2_prints_what_jobs_1_prints(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    env = _env(tmp_path, seconds=1)
    for fmt in ("json", "text"):
        one = _scan(env, "-r", str(docs), "--format", fmt, "--jobs", "1")
        two = _scan(env, "-r", str(docs), "--format", fmt, "--jobs", "2")
        assert one.returncode == two.returncode == 2, one.stderr
        assert two.stdout == one.stdout
        assert two.stderr == one.stderr
        assert "Traceback" not in two.stderr
    # the budget and the one-line errors worked inside the workers
    assert "[timeout]" in two.stderr and "[corrupt_file]" in two.stderr
    assert two.stderr.count("\n") == 3  # one line per unreadable file


def test_bad_rule_file_is_one_error_with_jobs(tmp_path: Path) -> None:
    docs = _folder(tmp_path)
    rules = Path(__file__).resolve().parent / "data" / "rules_bad" / "bad_regex"
    r = _scan(_env(tmp_path), "--rules", str(rules), "-r", str(docs), "--jobs", "2")
    r1 = _scan(_env(tmp_path), "--rules", str(rules), "-r", str(docs), "--jobs", "1")
    assert r.returncode == r1.returncode == 2
    assert r.stderr == r1.stderr and r.stderr.startswith("错误：") and "Traceback" not in r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT")
def test_ctrl_c_ends_a_pooled_scan_with_one_line(tmp_path: Path) -> None:
    docs = tmp_path / "many"
    docs.mkdir()
    for k in range(3):
        (docs / f"炸弹{k}.pdf").write_bytes(pb.content_bomb_pdf())
    proc = subprocess.Popen(
        [sys.executable, "-m", "secreview", "scan", "-r", str(docs), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        start_new_session=True,
    )
    time.sleep(4)  # the workers are interpreting the content streams
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert err.strip() == "已中断（interrupted）"

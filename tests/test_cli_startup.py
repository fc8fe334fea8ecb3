"""Start-up (issue 17): `secreview --help` and `queue` import no heavy library.

The command list of the top-level help comes from cli.COMMANDS without importing the
commands; each entry must say what the command itself says. Timing is in
bench/bench_startup.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from secreview.cli import COMMANDS, main
from tests.helpers.ledger import setup_office

HEAVY = (
    "jieba",
    "jieba_fast_dat",
    "sklearn",
    "numpy",
    "scipy",
    "pdfplumber",
    "pdfminer",
    "pypdfium2",
    "docx",
    "openpyxl",
    "lxml",
    "PIL",
    "starlette",
    "uvicorn",
    "jinja2",
    "psycopg",
    "reportlab",
    "ahocorasick_rs",
    "stdnum",
)
SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = """
import json, sys
from secreview.cli import main
try:
    main(sys.argv[1:], prog_name="secreview")
except SystemExit:
    pass
heavy = set(json.loads(sys.stdin.read()))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)))
"""


def _loaded(args: list[str], cwd: Path) -> tuple[list[str], str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    r = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    lines = r.stdout.strip().splitlines()
    return json.loads(lines[-1]), r.stdout


def test_help_lists_every_command_with_its_own_help_line():
    for name, (module, attr, line) in COMMANDS.items():
        cmd = main.get_command(click.Context(main), name)
        assert cmd is not None and cmd.name == name, name
        assert (cmd.help or "").split("\n")[0] == line, (module, attr)
    # every command is registered, and the help page names each
    out = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        assert f"\n  {name} " in out


def test_help_imports_no_heavy_library(tmp_path: Path):
    loaded, out = _loaded(["--help"], tmp_path)
    assert "命令：" in out and "queue" in out
    assert loaded == []


def test_queue_imports_no_heavy_library(tmp_path: Path):
    db = tmp_path / "l.db"
    setup_office(CliRunner(), db)
    loaded, out = _loaded(["--db", str(db), "--as", "审查员甲", "queue"], tmp_path)
    assert "没有等待您处理的稿件" in out
    assert loaded == []


def test_unknown_command_message_and_code_unchanged():
    r = CliRunner().invoke(main, ["scna"])
    assert r.exit_code == 2
    assert "没有这个命令：scna" in r.stderr and "scan" in r.stderr

"""Start-up (issue 17): `secreview --help` and `queue` import no heavy library.

The command list of the top-level help comes from cli.COMMANDS without importing the
commands; each entry must say what the command itself says. `queue` is an unverified read
(services/accounts.py ``Accounts.unverified``: DESIGN.md's queue lists, every write verifies),
so it needs neither ``cryptography`` nor the scanning pipeline; with ``--format json`` it
prints without rich. Timing is in bench/bench_startup.py, not here.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from secreview.cli import COMMANDS, main
from secreview.ledger import keys
from tests.helpers.ledger import cli_json, write_doc

# Libraries (top-level names) that neither --help nor queue may import.
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
    "cryptography",  # ~40 ms: only signing, verifying and key derivation need it
    "pygments",
    "markdown_it",
)
# secreview's own heavy parts: scanning, rules, the classifier, reports, the desk, and the
# CLI modules of other commands (cli.scan and cli.findings pull rich's markup in at import).
HEAVY_OWN = (
    "secreview.pipeline",
    "secreview.extract",
    "secreview.classify",
    "secreview.rules",
    "secreview.checks",
    "secreview.report",
    "secreview.desk",
    "secreview.cli.scan",
    "secreview.cli.findings",
    "secreview.cli.review_tty",
    "secreview.cli.ledger_cmds",
    "secreview.cli.audit",
    "secreview.cli.serve",
)
# What verifies or writes the chain: queue is a read, unverified by design (it never checked
# a signature; every write verifies, and `ledger verify` checks all), and loads none of it.
WRITE_OR_VERIFY = (
    "secreview.integrity",
    "secreview.ledger.chain",
    "secreview.ledger.checkpoints",
    "secreview.services.anchors",
    "secreview.services.verification",
)
SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = """
import json, sys
from secreview.cli import main
try:
    main(sys.argv[1:], prog_name="secreview")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _heavy(modules: list[str], also: tuple[str, ...] = ()) -> list[str]:
    """The modules of ``modules`` that are a heavy library, one of secreview's heavy parts,
    or under a name in ``also``."""
    top = set(HEAVY) | set(also)
    own = HEAVY_OWN + WRITE_OR_VERIFY
    return sorted(
        m
        for m in modules
        if m.split(".")[0] in top or any(m == h or m.startswith(h + ".") for h in own)
    )


def _loaded(args: list[str], cwd: Path) -> tuple[list[str], str]:
    """(every module a fresh ``secreview ARGS`` process imported, its stdout)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}  # a table row on one line
    r = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )
    out, _, last = r.stdout.rstrip("\n").rpartition("\n")
    assert last.startswith("["), (r.returncode, r.stdout, r.stderr)
    return json.loads(last), out


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
    assert _heavy(loaded, also=("rich",)) == []
    commands = {f"secreview.cli.{module}" for module, _, _ in COMMANDS.values()}
    assert sorted(commands & set(loaded)) == []


def test_queue_imports_no_heavy_library(office: Path, tmp_path: Path):
    runner = CliRunner()
    titles = []
    for i, kind in enumerate(("review", "phone")):
        doc = write_doc(tmp_path, f"通知{i}.html", kind, salt=str(i))
        title = f"关于公布咨询电话的通知[bold]{i}[/bold]"  # markup in a title is shown as typed
        args = ["submit", str(doc), "--title", title, "--dept", "办公室"]
        cli_json(runner, office, "张三", *args)
        titles.append(title)
    as_reviewer = ["--db", str(office), "--as", "审查员甲", "queue"]

    loaded, out = _loaded(as_reviewer, tmp_path)  # a table of two rows
    assert all(t in out for t in titles), out
    assert _heavy(loaded) == []
    assert "rich.table" in loaded  # (the probe sees the real table being drawn)

    loaded, out = _loaded([*as_reviewer, "--format", "json"], tmp_path)
    assert sorted(q["title"] for q in json.loads(out)) == sorted(titles)
    assert _heavy(loaded, also=("rich",)) == []

    loaded, out = _loaded(["--db", str(office), "--as", "王领导", "queue"], tmp_path)
    assert out == "没有等待您处理的稿件。"  # the line rich printed, without rich
    assert _heavy(loaded, also=("rich",)) == []


def test_public_key_form_is_what_cryptography_loads():
    """The unverified identity fold (queue) checks a public key's form without cryptography
    (keys.is_public_hex); it must accept exactly what keys.load_public loads — most random
    32-byte strings are not points of the curve, and cryptography loads them all the same."""
    good = keys.public_hex(keys.new_private_key().public_key())
    samples: list[object] = [good, good.upper(), good[:-1], good + "0", "", None, 7, b"00" * 32]
    samples += [secrets.token_bytes(32).hex() for _ in range(300)]
    samples += ["ff" * 32, "00" * 32, "ed" + "ff" * 30 + "7f"]  # y ≥ p, the identity
    samples += [good[:30] + " " + good[31:], good[:62] + "\n0", "zz" + good[2:], "٣" * 64]
    for text in samples:
        assert keys.is_public_hex(text) == (keys.load_public(text) is not None), text


def test_unknown_command_message_and_code_unchanged():
    r = CliRunner().invoke(main, ["scna"])
    assert r.exit_code == 2
    assert "没有这个命令：scna" in r.stderr and "scan" in r.stderr

"""Imports point one way: only secreview.cli imports click (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import secreview

PACKAGE = Path(secreview.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def core_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts)


def test_core_modules_found():
    names = {p.relative_to(PACKAGE).as_posix() for p in core_modules()}
    assert {"pipeline.py", "model.py", "extract/xlsx.py"} <= names
    assert not any(n.startswith("cli/") for n in names)


def test_no_core_module_imports_click():
    offenders = {
        p.relative_to(PACKAGE).as_posix(): sorted(
            n for n in _imports(p) if n == "click" or n.startswith("click.")
        )
        for p in core_modules()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_detects_click(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from click.testing import CliRunner\n", encoding="utf-8")
    assert "click.testing" in _imports(bad)

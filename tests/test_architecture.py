"""Imports point one way (STYLE.md): only secreview.cli imports click; the ledger backends are
the only modules that import a database driver; no import cycles; the layers of issue 16."""

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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, leaving out ``if TYPE_CHECKING:`` blocks (annotations only, no import)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def import_graph() -> dict[str, set[str]]:
    """secreview module → the secreview modules it imports (at the top or inside a function:
    a function-level import still makes a cycle, only a later one). ``from pkg import mod``
    is an edge to ``pkg.mod``; imports only for type checking are left out."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found: set[str] = set()
        for node in _runtime_nodes(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".")
                    if path.name != "__init__.py":
                        base = base[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                subs = {f"{mod}.{a.name}" for a in node.names} & set(paths)
                found.update(subs)
                if len(subs) < len(node.names):  # some names are not modules: the module itself
                    found.add(mod)
        deps = set()
        for dep in found:
            while dep and dep not in paths and "." in dep:
                dep = dep.rsplit(".", 1)[0]
            if dep in paths and dep != name:
                deps.add(dep)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def importers_of(graph: dict[str, set[str]], target: str) -> set[str]:
    return {m for m, deps in graph.items() if target in deps}


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


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_only_the_backends_import_a_database_driver():
    # space.py maps SQLite's error codes (SQLITE_FULL …) to the core's DiskFull/ReadOnlyLedger
    drivers = {
        "sqlite3": {"ledger/sqlite.py", "ledger/space.py"},
        "psycopg": {"ledger/postgres.py"},
    }
    for driver, home in drivers.items():
        users = {
            p.relative_to(PACKAGE).as_posix()
            for p in PACKAGE.rglob("*.py")
            if any(
                n == driver or n.startswith(driver + ".") or n == driver + "_pool"
                for n in _imports(p)
            )
        }
        assert users <= home, (driver, users)


def test_the_layers_point_one_way():
    graph = import_graph()
    # Only the opener knows which backends exist; everything else sees the Storage protocol.
    for backend in ("secreview.ledger.sqlite", "secreview.ledger.postgres"):
        assert importers_of(graph, backend) <= {"secreview.ledger.backends"}, backend
    # The ledger package is the bottom layer: rows, bytes, hashes, keys.
    allowed = {"secreview.errors", "secreview.model", "secreview"}
    for mod, deps in graph.items():
        if mod.startswith("secreview.ledger"):
            outside = {d for d in deps if not d.startswith("secreview.ledger")} - allowed
            assert not outside, (mod, outside)
    # The application services never import the CLI or the facade; the domain modules below
    # them (policy, verification, sweep matching, reports) never import a service.
    for mod, deps in graph.items():
        if mod.startswith("secreview.services"):
            assert not {
                d
                for d in deps
                if d.startswith(("secreview.cli", "secreview.service"))
                and not d.startswith("secreview.services")
            }, mod
    below = (
        "secreview.workflow",
        "secreview.directory",
        "secreview.integrity",
        "secreview.sweep",
        "secreview.report",
        "secreview.pipeline",
        "secreview.ledger",
    )
    for mod, deps in graph.items():
        if mod.startswith(below):
            assert not {d for d in deps if d.startswith("secreview.service")}, mod
    # The facade is for the front ends (the CLI, the review desk) only.
    front = ("secreview.cli", "secreview.web", "secreview.desk")
    assert {m for m in importers_of(graph, "secreview.service") if not m.startswith(front)} == set()

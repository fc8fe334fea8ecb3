"""Rule files: TOML (tomllib) → validated Rule/AllowEntry objects, loaded once per process.

Every problem is a UsageError naming the file, the line and the rule id, e.g.
"规则文件 rules/x.toml 第12行（规则 id「marking.x」）：未知的键「sevrity」".
The format is documented in rules/README.md.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from secreview.config import shipped_dir
from secreview.errors import UsageError
from secreview.model import CATEGORIES, PARTS, SEVERITIES
from secreview.normalize import normalize
from secreview.rules.model import AllowEntry, Bulk, Position, Rule, RuleSet
from secreview.rules.validators import REGISTRY

log = logging.getLogger(__name__)
_T = TypeVar("_T")

FORMAT_VERSION = 1
TOP_KEYS = {"version", "rule", "allow"}
RULE_KEYS = {
    "id",
    "name",
    "category",
    "severity",
    "reason",
    "basis",
    "kind",
    "keywords",
    "pattern",
    "validator",
    "context",
    "position",
    "parts",
    "with_name_severity",
    "prefilter",
    "bulk",
    "join_lines",
    "scope",
    "examples",
}
ALLOW_KEYS = {
    "id",
    "name",
    "reason",
    "phrases",
    "pattern",
    "validator",
    "rules",
    "categories",
    "context",
    "examples",
}
CONTEXT_KEYS = {"require", "exclude", "window", "after"}
POSITION_KEYS = {"first_chars", "first_lines", "line_max_chars"}
BULK_KEYS = {"threshold", "severity", "reason"}
EXAMPLE_KEYS = {"match", "no_match"}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


class _Problem(Exception):
    """A problem inside one entry; the loader adds file, line and id."""


def _norm(text: str) -> str:
    return normalize(text).text


def _id_line(text: str, rule_id: str | None, ordinal: int, table: str) -> int:
    """Line of ``id = "<rule_id>"`` in the file, else of the ordinal-th ``[[table]]`` header."""
    lines = text.splitlines()
    if rule_id:
        pat = re.compile(r"^\s*id\s*=\s*[\"']" + re.escape(rule_id) + r"[\"']")
        for n, line in enumerate(lines, start=1):
            if pat.match(line):
                return n
    header = re.compile(r"^\s*\[\[\s*" + table + r"\s*\]\]")
    seen = 0
    for n, line in enumerate(lines, start=1):
        if header.match(line):
            if seen == ordinal:
                return n
            seen += 1
    return 1


def _enclosing_id(text: str, line: int) -> str | None:
    """The ``id = "…"`` of the [[rule]]/[[allow]] block holding ``line`` (for syntax errors)."""
    lines = text.splitlines()[:line]
    id_re = re.compile(r"^\s*id\s*=\s*[\"']([^\"']+)[\"']")
    for raw in reversed(lines):
        m = id_re.match(raw)
        if m:
            return m.group(1)
        if raw.lstrip().startswith("[["):
            return None
    return None


def _check_keys(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _Problem(
            f"{where}未知的键「{'、'.join(unknown)}」（允许：{'、'.join(sorted(allowed))}）"
        )


def _str(data: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    if key not in data:
        if required:
            raise _Problem(f"缺少必填的键「{key}」")
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"「{key}」必须是非空字符串")
    return value


def _str_list(data: dict[str, Any], key: str, where: str = "") -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _Problem(f"{where}「{key}」必须是非空字符串的列表")
    return tuple(value)


def _pos_int(data: dict[str, Any], key: str, where: str) -> int | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _Problem(f"{where}「{key}」必须是正整数")
    return value


def _context(data: dict[str, Any]) -> dict[str, Any]:
    """A rule's or allow entry's ``context`` table: require, exclude, window and after."""
    ctx = data.get("context", {})
    if not isinstance(ctx, dict):
        raise _Problem("「context」必须是表（context.require / exclude / window / after）")
    _check_keys(ctx, CONTEXT_KEYS, "context 中")
    return {
        "require": tuple(_norm(w) for w in _str_list(ctx, "require", "context.")),
        "exclude": tuple(_norm(w) for w in _str_list(ctx, "exclude", "context.")),
        "window": _pos_int(ctx, "window", "context.") or 20,
        "after": _pos_int(ctx, "after", "context."),
    }


def _severity(value: Any, key: str) -> str:
    if value not in SEVERITIES:
        raise _Problem(f"「{key}」必须是 block、review 或 info 之一，而不是「{value}」")
    return str(value)


def _pattern(data: dict[str, Any]) -> re.Pattern[str]:
    raw = _str(data, "pattern")
    assert raw is not None
    try:
        return re.compile(raw)
    except re.error as e:
        raise _Problem(f"正则表达式无效：{e}") from e


def _validator(data: dict[str, Any]) -> str | None:
    name = _str(data, "validator", required=False)
    if name is not None and name not in REGISTRY:
        raise _Problem(f"未知的校验器「{name}」（可用：{'、'.join(sorted(REGISTRY))}）")
    return name


def _examples(data: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ex = data.get("examples", {})
    if not isinstance(ex, dict):
        raise _Problem("「examples」必须是表（examples.match / examples.no_match）")
    _check_keys(ex, EXAMPLE_KEYS, "examples 中")
    return _str_list(ex, "match", "examples."), _str_list(ex, "no_match", "examples.")


def _checked_id(data: dict[str, Any], example: str) -> str:
    """The entry's required id, in lower-case dotted form."""
    entry_id = _str(data, "id")
    assert entry_id is not None
    if not _ID_RE.match(entry_id):
        raise _Problem(f"「id」须为小写点分形式，如 {example}")
    return entry_id


NAME_MAX_CHARS = 40


def _name(data: dict[str, Any], entry_id: str, required: bool) -> str:
    """The entry's Chinese name for people (``name``); required in the shipped packs, else
    the id stands in for it (an office's older pack keeps loading)."""
    name = _str(data, "name", required=required)
    if name is None:
        return entry_id
    if len(name) > NAME_MAX_CHARS or "\n" in name:
        raise _Problem(f"「name」须为一行、至多 {NAME_MAX_CHARS} 个字符的简短名称")
    return name.strip()


def _build_rule(data: dict[str, Any], file: str, line: int, require_name: bool = False) -> Rule:
    _check_keys(data, RULE_KEYS, "")
    rule_id = _checked_id(data, "marking.secret_level")
    name = _name(data, rule_id, require_name)
    category = _str(data, "category")
    if category not in CATEGORIES:
        raise _Problem(f"未知的类别「{category}」（可用：{'、'.join(CATEGORIES)}）")
    severity = _severity(data.get("severity"), "severity") if "severity" in data else None
    if severity is None:
        raise _Problem("缺少必填的键「severity」")
    reason = _str(data, "reason")
    basis = _str(data, "basis", required=False)
    kind = _str(data, "kind")
    keywords: tuple[str, ...] = ()
    pattern = None
    validator = None
    prefilter = None
    if kind == "keywords":
        if "pattern" in data or "validator" in data or "prefilter" in data:
            raise _Problem('kind = "keywords" 的规则不能有 pattern/validator/prefilter')
        keywords = tuple(_norm(k) for k in _str_list(data, "keywords"))
        if not keywords:
            raise _Problem("缺少必填的键「keywords」（至少一个关键词）")
    elif kind == "regex":
        if "keywords" in data:
            raise _Problem('kind = "regex" 的规则不能有 keywords')
        pattern = _pattern(data)
        validator = _validator(data)
        raw_pre = data.get("prefilter")
        if raw_pre is None or raw_pre == "digit_run":
            prefilter = raw_pre
        elif (
            isinstance(raw_pre, list) and raw_pre and all(isinstance(x, str) and x for x in raw_pre)
        ):
            prefilter = tuple(_norm(x) for x in raw_pre)
        else:
            raise _Problem('「prefilter」只能是 "digit_run" 或非空字符串的列表')
    else:
        raise _Problem(f"「kind」必须是 keywords 或 regex，而不是「{kind}」")

    context = _context(data)

    position = None
    if "position" in data:
        pos = data["position"]
        if not isinstance(pos, dict) or not pos:
            raise _Problem("「position」必须是非空的表")
        _check_keys(pos, POSITION_KEYS, "position 中")
        position = Position(**{k: _pos_int(pos, k, "position.") for k in pos})

    parts = None
    if "parts" in data:
        plist = _str_list(data, "parts")
        bad = [p for p in plist if p not in PARTS]
        if bad or not plist:
            raise _Problem(f"「parts」含未知的位置「{'、'.join(bad)}」（可用：{'、'.join(PARTS)}）")
        parts = frozenset(plist)

    with_name = data.get("with_name_severity")
    if with_name is not None:
        with_name = _severity(with_name, "with_name_severity")

    bulk = None
    if "bulk" in data:
        b = data["bulk"]
        if not isinstance(b, dict):
            raise _Problem("「bulk」必须是表（threshold / severity / reason）")
        _check_keys(b, BULK_KEYS, "bulk 中")
        threshold = _pos_int(b, "threshold", "bulk.")
        if threshold is None:
            raise _Problem("bulk 缺少「threshold」")
        breason = _str(b, "reason")
        assert breason is not None
        bulk = Bulk(threshold, _severity(b.get("severity"), "bulk.severity"), breason)

    join_lines = data.get("join_lines", False)
    if not isinstance(join_lines, bool):
        raise _Problem("「join_lines」必须是 true 或 false")
    if join_lines and kind != "regex":
        raise _Problem('「join_lines」只用于 kind = "regex" 的规则')
    scope = data.get("scope", "text")
    if scope not in ("text", "cell"):
        raise _Problem('「scope」只能是 "text" 或 "cell"')
    if scope == "cell" and kind != "regex":
        raise _Problem('scope = "cell" 只用于 kind = "regex" 的规则')
    match, no_match = _examples(data)
    return Rule(
        id=rule_id,
        name=name,
        category=str(category),
        severity=severity,
        reason=str(reason),
        basis=basis,
        kind=kind,
        file=file,
        line=line,
        keywords=keywords,
        pattern=pattern,
        validator=validator,
        prefilter=prefilter,
        **context,
        position=position,
        parts=parts,
        with_name_severity=with_name,
        bulk=bulk,
        join_lines=join_lines,
        scope=str(scope),
        examples_match=match,
        examples_no_match=no_match,
    )


def _build_allow(
    data: dict[str, Any], file: str, line: int, require_name: bool = False
) -> AllowEntry:
    _check_keys(data, ALLOW_KEYS, "")
    allow_id = _checked_id(data, "allow.review_process")
    name = _name(data, allow_id, require_name)
    reason = _str(data, "reason")
    phrases = tuple(_norm(p) for p in _str_list(data, "phrases"))
    pattern = _pattern(data) if "pattern" in data else None
    validator = _validator(data)
    if not phrases and pattern is None:
        raise _Problem("允许清单条目需要「phrases」或「pattern」")
    if validator and pattern is None:
        raise _Problem("「validator」只能与「pattern」一起使用")
    rules = frozenset(_str_list(data, "rules")) if "rules" in data else None
    categories = None
    if "categories" in data:
        cats = _str_list(data, "categories")
        bad = [c for c in cats if c not in CATEGORIES]
        if bad:
            raise _Problem(f"未知的类别「{'、'.join(bad)}」")
        categories = frozenset(cats)
    context = _context(data)
    match, no_match = _examples(data)
    return AllowEntry(
        id=allow_id,
        name=name,
        reason=str(reason),
        file=file,
        line=line,
        phrases=phrases,
        pattern=pattern,
        validator=validator,
        rules=rules,
        categories=categories,
        **context,
        examples_match=match,
        examples_no_match=no_match,
    )


def _where(file: str, line: int, rule_id: str | None) -> str:
    who = f"（规则 id「{rule_id}」）" if rule_id else "（规则 id 缺失）"
    return f"规则文件 {file} 第{line}行{who}"


def load_file(
    path: Path, *, require_names: bool | None = None
) -> tuple[list[Rule], list[AllowEntry], str]:
    """Parse one rule file. Returns rules, allow entries and the file's sha256.

    ``require_names``: every entry must have a ``name``; by default, for the shipped packs.
    """
    if require_names is None:
        require_names = is_shipped(path)
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"规则文件 {file} 无法读取：{e.strerror}") from e
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"规则文件 {file} 第1行：不是 UTF-8 编码") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        line = int(m.group(1)) if m else 1
        where = _where(file, line, _enclosing_id(text, line))
        raise UsageError(f"{where}：TOML 语法错误（{e}）") from e
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise UsageError(f"规则文件 {file} 第1行：未知的顶层键「{'、'.join(unknown)}」")
    if data.get("version") != FORMAT_VERSION:
        raise UsageError(
            f"规则文件 {file} 第1行：缺少或不支持的 version（应为 version = {FORMAT_VERSION}）"
        )
    rules = [
        _build(_build_rule, *where, require_names) for where in _entries(data, "rule", file, text)
    ]
    allow = [
        _build(_build_allow, *where, require_names) for where in _entries(data, "allow", file, text)
    ]
    return rules, allow, digest


def _entries(
    data: dict[str, Any], table: str, file: str, text: str
) -> Iterator[tuple[dict[str, Any], str, int, str | None]]:
    """(entry, file, line, id) of each ``[[table]]`` entry, for error messages."""
    entries = data.get(table, [])
    if not isinstance(entries, list):
        raise UsageError(f"规则文件 {file} 第1行：「{table}」必须写成 [[{table}]] 表数组")
    for ordinal, entry in enumerate(entries):
        entry_id = entry.get("id") if isinstance(entry.get("id"), str) else None
        yield entry, file, _id_line(text, entry_id, ordinal, table), entry_id


def _build(
    builder: Callable[[dict[str, Any], str, int, bool], _T],
    entry: dict[str, Any],
    file: str,
    line: int,
    entry_id: str | None,
    require_names: bool,
) -> _T:
    try:
        return builder(entry, file, line, require_names)
    except _Problem as e:
        raise UsageError(f"{_where(file, line, entry_id)}：{e}") from None


def is_shipped(path: Path) -> bool:
    """Whether ``path`` is one of the rule packs shipped with secreview."""
    try:
        return path.resolve().parent == shipped_dir("rules").resolve()
    except OSError:
        return False


def rule_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            raise UsageError(f"规则目录不存在：{d}")
        files.extend(sorted(p for p in d.glob("*.toml") if p.is_file()))
    return files


def build_ruleset(files: Sequence[Path]) -> RuleSet:
    rules: list[Rule] = []
    allow: list[AllowEntry] = []
    hashes: dict[str, str] = {}
    seen: dict[str, Rule | AllowEntry] = {}
    for path in files:
        r, a, digest = load_file(path)
        hashes[str(path)] = digest
        items: list[Rule | AllowEntry] = [*r, *a]
        for item in items:
            if item.id in seen:
                first = seen[item.id]
                raise UsageError(
                    f"{_where(item.file, item.line, item.id)}：规则 id 重复"
                    f"（已在规则文件 {first.file} 第{first.line}行定义）"
                )
            seen[item.id] = item
        rules.extend(r)
        allow.extend(a)
    return RuleSet(tuple(rules), tuple(allow), hashes)


_CACHE: dict[tuple[Any, ...], RuleSet] = {}
_LOCK = threading.Lock()


def load_ruleset(dirs: Iterable[Path]) -> RuleSet:
    """All *.toml files of ``dirs`` (in order), parsed once per process.

    The cache key is the directory list plus each file's path, mtime and size, so an edited
    rule file is re-read on the next call.
    """
    dirs = tuple(Path(d) for d in dirs)
    files = rule_files(dirs)
    key = (dirs, tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = build_ruleset(files)
            if len(_CACHE) >= 16:
                _CACHE.clear()
            _CACHE[key] = cached
            log.debug("loaded %d rules from %d files", len(cached.rules), len(files))
        return cached

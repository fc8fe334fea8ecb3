"""`secreview.toml`: the office's settings, so the office name, the usual channel, the time
zone and the input limits need not be typed on every command.

Where it is read from (the first that exists):

1. the file named by env ``SECREVIEW_CONFIG``;
2. ``secreview.toml`` beside the ledger (the office's shared settings);
3. ``$XDG_CONFIG_HOME/secreview/secreview.toml`` (default ``~/.config/secreview/``).

Loading is strict: an unknown key, a wrong type or an impossible value is a UsageError naming
the file and the key — a typo never silently leaves a limit at its default. Command-line
options win over the file. Format (every key optional)::

    office = "示例县人民政府办公室"      # printed in the 台账 title (audit --office)
    default_channel = "政府门户网站"      # submit --channel when not given
    time_zone = "Asia/Shanghai"          # the office's clock (only UTC+8 is accepted so far)
    pdf_font = "/usr/share/fonts/truetype/arphic/uming.ttc"   # the audit PDF's CJK font

    [limits]                             # bounds for hostile input (config.Limits)
    max_file_bytes = 209715200
    seconds_per_file = 120.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from secreview.clock import (
    DEFAULT_TIME_ZONE,
    is_beijing_time,
    parse_time_zone,
    time_zone_label,  # noqa: F401 — re-exported: settings.time_zone_label
)
from secreview.config import Limits
from secreview.errors import UsageError

FILE_NAME = "secreview.toml"
ENV = "SECREVIEW_CONFIG"
TOP_KEYS = {"office", "default_channel", "time_zone", "pdf_font", "limits"}


@dataclass(frozen=True)
class Settings:
    office: str | None = None
    default_channel: str | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    pdf_font: str | None = None
    limits: Limits = field(default_factory=Limits)
    source: Path | None = None  # the file these came from (None: built-in defaults)


def user_config_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "secreview" / FILE_NAME


def find_settings_file(db_path: Path | None) -> Path | None:
    """The settings file in force for a ledger at ``db_path`` (see the module docstring)."""
    explicit = os.environ.get(ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"找不到配置文件 {path}（环境变量 {ENV}）")
        return path
    candidates = []
    if db_path is not None and "://" not in str(db_path):
        candidates.append(Path(db_path).parent / FILE_NAME)
    candidates.append(user_config_file())
    return next((p for p in candidates if p.is_file()), None)


def _problem(path: Path, key: str, what: str) -> UsageError:
    return UsageError(f"配置文件 {path}：「{key}」{what}")


def _text(data: dict[str, Any], key: str, path: Path) -> str | None:
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise _problem(path, key, "必须是一行非空文字")
    return value.strip()


def _limits(raw: Any, path: Path) -> Limits:
    if not isinstance(raw, dict):
        raise _problem(path, "limits", "必须是表（[limits]）")
    known = {f.name: f for f in fields(Limits)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise _problem(
            path,
            f"limits.{unknown[0]}",
            f"是未知的键（可用：{'、'.join(sorted(known))}）",
        )
    defaults = Limits()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        default = getattr(defaults, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _problem(path, f"limits.{key}", "必须是正数")
        if isinstance(default, int) and not isinstance(value, int):
            raise _problem(path, f"limits.{key}", "必须是正整数")
        if value <= 0:
            raise _problem(path, f"limits.{key}", "必须大于 0")
        values[key] = float(value) if isinstance(default, float) else value
    return Limits(**{**{k: getattr(defaults, k) for k in known}, **values})


def load_settings_file(path: Path) -> Settings:
    """Parse one settings file strictly (errors name the file and the key)."""
    import tomllib  # only when there is a file (its regexes cost a cold start, issue 17)

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"配置文件 {path} 无法读取：{e.strerror or e}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise UsageError(f"配置文件 {path} 不是 UTF-8 编码") from e
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"配置文件 {path}：TOML 语法错误（{e}）") from e
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise _problem(path, unknown[0], f"是未知的键（可用：{'、'.join(sorted(TOP_KEYS))}）")
    zone = _text(data, "time_zone", path) or DEFAULT_TIME_ZONE
    try:
        tz = parse_time_zone(zone)
    except UsageError as e:
        raise _problem(path, "time_zone", f"无效：{e.message}") from e
    if not is_beijing_time(tz):
        # every printed time is Beijing time (DESIGN §4); another clock is not applied yet,
        # so it is refused rather than silently ignored
        raise _problem(path, "time_zone", "目前只支持北京时间（Asia/Shanghai 或 +08:00）")
    font = _text(data, "pdf_font", path)
    if font is not None and not Path(font.rpartition("#")[0] or font).expanduser().is_file():
        raise _problem(path, "pdf_font", f"指向的字体文件不存在：{font}")
    return Settings(
        office=_text(data, "office", path),
        default_channel=_text(data, "default_channel", path),
        time_zone=zone,
        pdf_font=font,
        limits=_limits(data.get("limits", {}), path),
        source=path,
    )


def load_settings(db_path: Path | None) -> Settings:
    """The settings in force for a ledger at ``db_path`` (built-in defaults when no file)."""
    path = find_settings_file(db_path)
    return load_settings_file(path) if path is not None else Settings()

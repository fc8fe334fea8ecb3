"""secreview.toml (issue 18): found beside the ledger or in the user's config folder, strict,
and used: office name, default channel, time zone, limits, the PDF font."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secreview.cli import main
from secreview.config import Limits
from secreview.errors import UsageError
from secreview.settings import (
    find_settings_file,
    is_beijing_time,
    load_settings,
    load_settings_file,
    parse_time_zone,
    time_zone_label,
)
from tests.helpers.ledger import cli_json

GOOD = """\
office = "示例县人民政府办公室"
default_channel = "政府门户网站"
time_zone = "Asia/Shanghai"

[limits]
max_file_bytes = 5000
seconds_per_file = 30
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_beside_the_ledger_wins_over_the_user_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    db = tmp_path / "office" / "台账.db"
    user = _write(tmp_path / "xdg" / "secreview" / "secreview.toml", 'office = "个人设置"\n')
    assert find_settings_file(db) == user
    assert load_settings(db).office == "个人设置"
    _write(db.parent / "secreview.toml", GOOD)
    got = load_settings(db)
    assert got.office == "示例县人民政府办公室" and got.default_channel == "政府门户网站"
    assert got.limits.max_file_bytes == 5000 and got.limits.seconds_per_file == 30.0
    assert got.limits.max_pages == Limits().max_pages  # unnamed limits keep their defaults
    assert got.source == db.parent / "secreview.toml"


def test_no_file_means_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    got = load_settings(tmp_path / "台账.db")
    assert got.source is None and got.office is None and got.limits == Limits()


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('ofice = "x"\n', "ofice", "未知的键"),
        ("[limits]\nmax_pagez = 3\n", "limits.max_pagez", "未知的键"),
        ("[limits]\nmax_pages = -1\n", "limits.max_pages", "大于 0"),
        ("[limits]\nmax_pages = 1.5\n", "limits.max_pages", "正整数"),
        ('[limits]\nmax_pages = "9"\n', "limits.max_pages", "正数"),
        ("office = 3\n", "office", "一行非空文字"),
        ('time_zone = "Mars/Base"\n', "time_zone", "未知的时区"),
        ('pdf_font = "/无此/字体.ttf"\n', "pdf_font", "不存在"),
        ('time_zone = "Europe/Berlin"\n', "time_zone", "只支持北京时间"),
        ("limits = 3\n", "limits", "必须是表"),
    ],
)
def test_strict_loading_names_file_and_key(tmp_path, text, key, fragment) -> None:
    path = _write(tmp_path / "secreview.toml", text)
    with pytest.raises(UsageError) as info:
        load_settings_file(path)
    msg = info.value.message
    assert str(path) in msg and fragment in msg and "\n" not in msg
    if key:
        assert f"「{key}」" in msg


def test_bad_settings_file_stops_a_command_with_one_line(tmp_path, runner, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "secreview.toml", 'ofice = "x"\n')
    doc = _write(tmp_path / "a.txt", "正文\n")
    r = runner.invoke(main, ["scan", str(doc)])
    assert r.exit_code == 2
    assert (
        r.stderr.strip().count("\n") == 0 and "ofice" in r.stderr and "secreview.toml" in r.stderr
    )


def test_limits_from_the_file_apply(tmp_path, runner, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "secreview.toml", "[limits]\nmax_file_bytes = 100\n")
    doc = _write(tmp_path / "a.txt", "正文。" * 100)
    r = runner.invoke(main, ["scan", str(doc), "--format", "json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)[0]["error"]["code"] == "too_large"


def test_env_names_the_file(tmp_path, monkeypatch) -> None:
    path = _write(tmp_path / "别处.toml", 'office = "环境变量指定"\n')
    monkeypatch.setenv("SECREVIEW_CONFIG", str(path))
    assert load_settings(None).office == "环境变量指定"
    monkeypatch.setenv("SECREVIEW_CONFIG", str(tmp_path / "无.toml"))
    with pytest.raises(UsageError, match="找不到配置文件"):
        load_settings(None)


def test_time_zones() -> None:
    assert parse_time_zone("+08:00").utcoffset(None).total_seconds() == 8 * 3600
    assert str(parse_time_zone("Asia/Shanghai")) == "Asia/Shanghai"
    assert time_zone_label("Asia/Shanghai") == "北京时间"
    assert time_zone_label("+08:00") == "北京时间"
    assert time_zone_label("Asia/Urumqi") == "Asia/Urumqi 时间"
    assert is_beijing_time(parse_time_zone("Asia/Shanghai"))
    assert is_beijing_time(parse_time_zone("+08:00"))
    assert not is_beijing_time(parse_time_zone("Asia/Urumqi"))


def test_office_name_and_channel_need_not_be_retyped(office: Path, runner, tmp_path) -> None:
    _write(office.parent / "secreview.toml", GOOD.replace("5000", "50000000"))
    data = cli_json(runner, office, "孙审计", "audit")
    assert data["title"] == "示例县人民政府办公室政府信息公开保密审查台账"
    named = cli_json(runner, office, "孙审计", "audit", "--office", "别的单位")
    assert named["title"] == "别的单位政府信息公开保密审查台账"  # the option wins
    doc = _write(tmp_path / "通知.txt", "关于春季植树活动的通知。\n")
    sub = cli_json(
        runner, office, "张三", "submit", str(doc), "--title", "植树通知", "--dept", "办公室"
    )
    assert cli_json(runner, office, "张三", "show", sub["id"])["channel"] == "政府门户网站"

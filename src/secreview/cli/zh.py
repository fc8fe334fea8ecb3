"""Click in Chinese: usage errors as one Chinese line, help headings in Chinese.

Office users read every message; click's own are English ("Missing option '--title'.").
``usage_message`` turns each kind of click usage error into one Chinese sentence (the option
or argument named as typed, the choices or the closest match listed), ``ChineseContext``
gives the help page Chinese headings. The top-level group (cli/__init__.py) prints
``错误：…（查看帮助：secreview submit -h）`` and exits 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import click

SECTION_ZH = {
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Positional arguments": "参数",
}


class ChineseFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{SECTION_ZH.get(heading, heading)}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


HELP_ZH = "显示本帮助并退出 (show this help)."


def use_chinese(command: click.Command) -> None:
    """Give ``command`` and every sub-command the Chinese context (help headings) and a
    Chinese ``-h/--help`` line."""
    command.context_class = ChineseContext
    original = command.get_help_option

    def help_option(ctx: click.Context) -> click.Option | None:
        opt = original(ctx)
        if opt is not None:
            opt.help = HELP_ZH
        return opt

    command.get_help_option = help_option  # type: ignore[method-assign]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            use_chinese(sub)


def _names(param: click.Parameter | None, ctx: click.Context | None) -> str:
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return (param.metavar or param.name or "参数").upper()


def _quoted(items: Iterable[str]) -> str:
    return "、".join(str(i) for i in items)


def _suggest(possibilities: Iterable[str] | None) -> str:
    found = list(possibilities or [])
    return f"（是否想用 {_quoted(found)}？）" if found else ""


_NO_SUCH_COMMAND = re.compile(r"No such command '(.+)'")
_EXTRA_ARGS = re.compile(r"Got unexpected extra arguments? \((.*)\)")
_REQUIRES_ARG = re.compile(r"Option '(.+)' requires (?:an argument|(\d+) arguments)")
_TAKES_NO_VALUE = re.compile(r"Option '(.+)' does not take a value")


def _bad_value(e: click.BadParameter) -> str:
    param, ctx = e.param, e.ctx
    where = _names(param, ctx) if param is not None else (str(e.param_hint or "参数"))
    ptype = param.type if param is not None else None
    if isinstance(ptype, click.Choice):
        m = re.match(r"'(.*)' is not", e.message)
        value = f"「{m.group(1)}」" if m else ""
        return f"{where} 的值{value}无效，可选：{_quoted(map(str, ptype.choices))}"
    if "is not a valid" in e.message and ptype is not None:
        kind = "整数" if "integer" in e.message else "数字"
        return f"{where} 的值须为{kind}"
    if isinstance(ptype, click.IntRange | click.FloatRange):
        describe = getattr(ptype, "_describe_range", None)
        bound = f"（{describe()}）" if callable(describe) else ""
        return f"{where} 的值超出允许范围{bound}"
    return f"{where} 的值无效：{e.message}"


def usage_message(e: click.UsageError) -> str:
    """One Chinese sentence for a click usage error (no "Error:" prefix, no help hint)."""
    if isinstance(e, click.MissingParameter):
        param = e.param
        if isinstance(param, click.Argument):
            return f"缺少参数 {_names(param, e.ctx)}"
        return f"缺少必填的选项 {_names(param, e.ctx)}"
    if isinstance(e, click.NoSuchOption):
        return f"没有这个选项：{e.option_name}{_suggest(e.possibilities)}"
    if isinstance(e, click.BadParameter):
        return _bad_value(e)
    text = e.message
    m = _NO_SUCH_COMMAND.search(text)
    if m:
        possibilities = getattr(e, "possibilities", None)
        return f"没有这个命令：{m.group(1)}{_suggest(possibilities)}"
    if "Missing command" in text:
        return "缺少命令"
    m = _EXTRA_ARGS.search(text)
    if m:
        return f"多余的参数：{m.group(1)}"
    m = _REQUIRES_ARG.search(text)
    if m:
        n = m.group(2)
        return f"选项 {m.group(1)} 需要{f' {n} 个' if n else '一个'}值"
    m = _TAKES_NO_VALUE.search(text)
    if m:
        return f"选项 {m.group(1)} 不带值"
    return text


def help_hint(ctx: click.Context | None) -> str:
    if ctx is None:
        return "secreview -h"
    return f"{ctx.command_path} -h"

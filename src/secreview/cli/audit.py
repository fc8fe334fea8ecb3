"""`audit` (the printed 台账) and `sweep` (定期梳理 of published files)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from secreview.cli.common import FORMAT, AppState, print_json, stderr_console, stdout_console
from secreview.cli.ledger_cmds import handled, open_ledger
from secreview.cli.passphrase import signer_for
from secreview.clock import DEFAULT, OfficeClock
from secreview.config import Config
from secreview.errors import UsageError
from secreview.report.audit import Audit

FILE_FORMATS = ("csv", "xlsx", "html", "pdf")
AUDIT_FORMATS = ("text", "csv", "xlsx", "html", "pdf", "json")
SUFFIX_FORMATS = {
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".json": "json",
}


def name_rules(result: Audit, config: Config) -> None:
    """Chinese names for the rule ids the audit mentions (from the loaded packs)."""
    from secreview.rules import load_ruleset
    from secreview.rules.names import rule_names

    result.rule_names = rule_names(result.rule_ids(), load_ruleset(config.rules_dirs))


def output_format(fmt: str | None, output: str | None) -> str:
    """The audit's format: ``--format``, else the ``-o`` file's suffix, else text.

    A suffix that names another format than ``--format`` is a usage error (writing text
    into 台账.pdf would look like success); so is ``-o`` with a suffix we cannot read and
    no ``--format``.
    """
    if not output:
        return fmt or "text"
    suffix = Path(output).suffix.lower()
    inferred = SUFFIX_FORMATS.get(suffix)
    if fmt is None:
        if inferred is None:
            known = " ".join(SUFFIX_FORMATS)
            raise UsageError(
                f"无法从输出文件名「{output}」判断格式：请使用扩展名 {known}，或用 --format 指定"
            )
        return inferred
    if inferred is not None and inferred != fmt:
        raise UsageError(
            f"输出文件「{output}」的扩展名 {suffix} 与 --format {fmt} 不一致："
            f"请改用 .{'txt' if fmt == 'text' else fmt} 扩展名，或去掉 --format"
        )
    return fmt


VERDICT_ZH = {
    "ok": ("复查无新问题", "green"),
    "attention": ("发现新问题", "yellow"),
    "changed": ("签批后被改动", "bold red"),
    "unknown": ("不在台账中", "bold red"),
    "unsigned": ("未经签批", "bold red"),
    "superseded": ("旧版本仍在公开", "yellow"),
    "error": ("无法读取", "red"),
}


def _write(audit: Audit, fmt: str, path: Path, pdf_font: str | None = None) -> Path:
    from secreview.report.render_html import render_html
    from secreview.report.render_pdf import render_pdf
    from secreview.report.render_tabular import render_csv, render_xlsx

    renderers: dict[str, Callable[[Audit, Path], Path]] = {
        "csv": render_csv,
        "xlsx": render_xlsx,
        "html": render_html,
        "pdf": render_pdf,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        return render_pdf(audit, path, pdf_font)
    return renderers[fmt](audit, path)


def _default_name(audit: Audit, fmt: str) -> Path:
    if audit.annual is not None:
        dept = f"-{audit.dept}" if audit.dept else ""
        return Path(f"{audit.annual.year}年度保密审查情况{dept}.{fmt}")
    period = "-".join(x for x in (audit.period_from, audit.period_to) if x) or "全部"
    dept = f"-{audit.dept}" if audit.dept else ""
    return Path(f"保密审查台账-{period}{dept}.{fmt}")


@click.command()
@click.option(
    "--from", "period_from", default=None, metavar="DATE", help="起始日期 YYYY-MM-DD（含）."
)
@click.option("--to", "period_to", default=None, metavar="DATE", help="截止日期 YYYY-MM-DD（含）.")
@click.option("--dept", default=None, help="只列此部门 (one department).")
@click.option(
    "--annual",
    "annual",
    type=click.IntRange(2000, 2100),
    default=None,
    metavar="YEAR",
    help="政府信息公开工作年度报告的“保密审查情况”段落和统计表（该年度；不能与 --from/--to 同用）.",
)
@click.option(
    "--office",
    default=None,
    help="单位名称，印在标题中 (default: office in secreview.toml, else the ledger's, else 本单位).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(AUDIT_FORMATS),
    default=None,
    help="text: terminal table; csv/xlsx/html/pdf: a file; json for scripts "
    "(default: from the -o suffix, else text).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="输出文件；格式按扩展名（.pdf .xlsx .csv .html .txt .json）确定 "
    "(default 保密审查台账-<period>.<fmt> in the current folder).",
)
@click.option(
    "--only-office",
    "only",
    multiple=True,
    metavar="单位",
    help="全市台账（--office '*'）只列这些单位 (repeatable; default: every office).",
)
@click.pass_obj
def audit(
    state: AppState,
    period_from: str | None,
    period_to: str | None,
    dept: str | None,
    annual: int | None,
    office: str | None,
    fmt: str | None,
    output: str | None,
    only: tuple[str, ...],
) -> None:
    """保密审查台账（审计员/管理员）— the inspection audit of the ledger.

    One row per item submitted in the period (dates inclusive, 北京时间), statistics, and
    the ledger's event count and head hash for a later `ledger verify --expect-head`.
    Exit 1 when the ledger fails verification or an item was published without complete
    sign-off.

    --annual YEAR prints the 保密审查 section of that year's 政府信息公开工作年度报告: a
    paragraph and the table (reviewed, found, revised, not published, by category); in
    html/pdf/xlsx it comes first, before the year's 台账; csv holds its tables only.

    \b
    Example:
      secreview --as 孙审计 audit --from 2026-01-01 --to 2026-12-31
      secreview --as 孙审计 audit --from 2026-01-01 --to 2026-12-31 -o 台账.pdf
      secreview --as 孙审计 audit --annual 2026
      secreview --db postgresql://… --office '*' --as 市检查员 audit -o 全市台账.xlsx
    """
    with handled():
        if annual is not None and (period_from or period_to):
            raise UsageError("--annual 与 --from/--to 不能同时使用（年度报告的期间即该年）")
        fmt = output_format(fmt, output)
        config = state.config()
        office = office or config.office
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, "生成保密审查台账")
        result = ledger.audit(
            signer, period_from, period_to, dept, office, fmt, annual, offices=list(only) or None
        )
    with handled():
        name_rules(result, config)
        if fmt == "json" and output:
            Path(output).write_text(
                json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            stdout_console().print(f"已写入：{escape(output)}")
        elif fmt == "json":
            print_json(result.to_dict())
        elif fmt == "text":
            if output:
                with Path(output).open("w", encoding="utf-8") as fh:
                    _text(result, Console(file=fh, width=220, highlight=False))
                stdout_console().print(f"已写入：{escape(output)}")
            else:
                _text(result, stdout_console())
        else:
            target = Path(output) if output else _default_name(result, fmt)
            path = _write(result, fmt, target, config.pdf_font)
            stdout_console().print(
                f"已写入{fmt.upper()}：{escape(str(path))}（{len(result.rows)} 项，"
                f"链头哈希 {result.head_hash}）"
            )
    _alarm(result)


def _text(result: Audit, console: Console) -> None:
    from secreview.report.render_text import render_annual, render_text

    if result.annual is not None:
        render_annual(result, console)
    else:
        render_text(result, console)


def _alarm(result: Audit) -> None:
    bad = result.stats.published_without_signoff
    if bad:
        click.echo(
            f"警告：{len(bad)} 项未经完整签批即已公开，必须立即整改：" + "；".join(bad), err=True
        )
    if result.stats.key_resets:
        click.echo("注意：管理员重置过用户密钥：" + "；".join(result.stats.key_resets), err=True)
    if not result.verify_ok:
        click.echo(f"警告：台账校验未通过：{result.verify_message}", err=True)
    if bad or not result.verify_ok:
        raise SystemExit(1)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    )
    task = bar.add_task("定期梳理", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="并行进程数 (default: all CPU cores).",
)
@FORMAT
@click.pass_obj
def sweep(state: AppState, paths: tuple[str, ...], jobs: int | None, fmt: str) -> None:
    """定期梳理（审计员/管理员）— re-scan published files with today's rules and model.

    Files are matched to the ledger by the hash of their bytes. Reported loudly: a file
    changed after sign-off, a file not in the ledger, an unsigned or superseded version, new
    findings under today's rules. Every result is recorded in the ledger. An interrupted run
    continues when the same command is run again. Exit 1 when something needs attention.

    \b
    Example:
      secreview --as 孙审计 sweep 网站发布目录/ --jobs 2
    """
    if not paths:
        with handled():
            raise UsageError("请指定要梳理的文件或文件夹（sweep PATH...）")
    with handled(), open_ledger(state) as ledger:
        signer = signer_for(ledger, state, "对已公开文件进行定期梳理")
        with _progress(fmt == "text" and sys.stderr.isatty()) as update:
            info = ledger.sweep(signer, paths, jobs=jobs, progress=update)
    if fmt == "json":
        print_json(info)
    else:
        with handled():
            names = _sweep_rule_names(info, state.config())
        _print_sweep(info, names, state.config().clock())
    if info["attention"]:
        raise SystemExit(1)


def _sweep_rule_names(info: dict[str, Any], config: Config) -> dict[str, str]:
    from secreview.rules import load_ruleset
    from secreview.rules.names import rule_names

    ids = {str(i["rule"]) for r in info["attention"] for i in r.get("items", [])}
    return rule_names(ids, load_ruleset(config.rules_dirs))


SEVERITY_TAG = {"block": ("禁止", "red"), "review": ("复核", "yellow"), "info": ("提示", "cyan")}


def _print_items(out: Console, result: dict[str, Any], names: dict[str, str]) -> None:
    """The problems behind one file's verdict: severity, where, which rule (never the text)."""
    from secreview.cli.common import first_per_rule, print_hidden
    from secreview.model import Location
    from secreview.rules.names import label

    items = result.get("items") or []
    if not items:
        return
    shown, hidden = first_per_rule(
        items, lambda i: str(i["rule"]), lambda i: str(i["severity"]), False
    )
    for item in shown:
        tag, colour = SEVERITY_TAG.get(item["severity"], (item["severity"], ""))
        where = Location.from_dict(item.get("location") or {"part": "body"}).label()
        out.print(
            f"    [{colour}]■ {tag}[/{colour}] {escape(where)}  "
            f"{escape(label(str(item['rule']), names))}"
        )
    print_hidden(out, Counter({names.get(r, r): n for r, n in hidden.items()}))


def _print_sweep(
    info: dict[str, Any], names: dict[str, str] | None = None, clock: OfficeClock = DEFAULT
) -> None:
    out = stdout_console()
    errors = info["verdicts"].get("error", 0)
    head = (
        f"定期梳理 {info['run']}（{clock.show(info['started'])}开始）："
        f"共 {info['files']} 个文件，本次复查 {info['scanned']} 个"
    )
    if errors:
        head += f"，其中无法读取 {errors} 个"
    if info["resumed"]:
        head += f"，续跑上次中断的梳理，跳过已记录的 {info['skipped']} 个"
    out.print(escape(head + f"（{info['jobs']} 个进程）"))
    verdicts = "，".join(
        f"{VERDICT_ZH.get(k, (k, ''))[0]} {v}" for k, v in sorted(info["verdicts"].items())
    )
    if verdicts:
        out.print(escape(verdicts))
    if not info["attention"]:
        out.print("[green]没有需要关注的文件。[/green]")
        return
    table = Table(title="需要关注的文件", show_lines=True)
    for col in ("文件", "结论", "稿件", "说明"):
        table.add_column(col, overflow="fold")
    for r in info["attention"]:
        label, style = VERDICT_ZH.get(r["verdict"], (r["verdict"], ""))
        sid = f"{r['submission_id']} 第{r['version']}版" if r["submission_id"] else "—"
        table.add_row(
            escape(_short(r["path"])),
            f"[{style}]{label}[/{style}]",
            escape(sid),
            escape(r["detail"]),
        )
    out.print(table)
    listed = [r for r in info["attention"] if r.get("items")]
    if listed:
        out.print("[bold]发现的问题[/bold]（只列规则和位置，不显示原文）：")
    for r in listed:
        label_text, _style = VERDICT_ZH.get(r["verdict"], (r["verdict"], ""))
        out.print(f"  {escape(_short(r['path']))} — {escape(label_text)}")
        _print_items(out, r, names or {})


def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path

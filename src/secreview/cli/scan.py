"""`secreview scan` — the dry run: extract + scan + classify, no ledger."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from secreview.cli.common import (
    SEVERITY_STYLE,
    SHOWN_PER_RULE,
    VERDICT_STYLE,
    AppState,
    fail,
    first_per_rule,
    print_hidden,
    print_json,
    stderr_console,
    stdout_console,
)
from secreview.errors import SecreviewError
from secreview.mask import mask_numbers
from secreview.model import Finding, Report


def exit_code_for(reports: list[Report]) -> int:
    """0 all pass; 1 something needs review or blocks; 2 some input could not be read."""
    if any(r.verdict == "error" for r in reports):
        return 2
    if any(r.verdict in ("review", "block") for r in reports):
        return 1
    return 0


def _highlight(f: Finding) -> str:
    ctx = mask_numbers(f.context)
    shown = mask_numbers(f.text)
    if shown and shown in ctx:
        i = ctx.index(shown)
        return (
            escape(ctx[:i]) + f"[reverse]{escape(shown)}[/reverse]" + escape(ctx[i + len(shown) :])
        )
    return escape(ctx)


def render_report(report: Report, show_all: bool = False) -> None:
    out = stdout_console()
    label, style = VERDICT_STYLE[report.verdict]
    out.print(
        f"[bold]{escape(report.path)}[/bold]  [{style}]{label}[/{style}]"
        + (f"  ({report.format})" if report.format else "")
    )
    if report.error:
        stderr_console().print(
            escape(f"错误：{report.path}：{report.error.message} [{report.error.code}]")
        )
        return
    if not report.findings:
        out.print("  未发现问题。")
        return
    shown, hidden = first_per_rule(
        report.findings, lambda f: f.rule, lambda f: f.severity, show_all
    )
    for f in shown:
        tag, colour = SEVERITY_STYLE[f.severity]
        out.print(
            f"  [{colour}]■ {tag}[/{colour}] {escape(f.location.label())}  "
            f"{escape(mask_numbers(f.reason))}  [dim]({escape(f.rule)})[/dim]"
        )
        out.print(f"      {_highlight(f)}")
    print_hidden(out, hidden)
    if report.classifier:
        out.print(
            f"  [dim]分类器：{report.classifier.get('label')} "
            f"{report.classifier.get('score', 0):.2f}[/dim]"
        )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "csv"]),
    default="text",
    show_default=True,
    help="text for people; json (DESIGN.md §3) for scripts; sarif (SARIF 2.1.0) for "
    "code-scanning tools; csv (one row per finding) for a spreadsheet.",
)
@click.option("--recursive", "-r", is_flag=True, help="Scan folders and their sub-folders.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="只报告基线中没有的新问题：基线为此前 scan --format json（或 sarif）的输出.",
)
@click.option(
    "--all", "show_all", is_flag=True, help=f"列出全部问题（默认每条规则最多 {SHOWN_PER_RULE} 处）."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="并行进程数 (default: all CPU cores); the output is the same for any number.",
)
@click.pass_obj
def scan(
    state: AppState,
    paths: tuple[str, ...],
    fmt: str,
    recursive: bool,
    baseline_file: str | None,
    show_all: bool,
    jobs: int | None,
) -> None:
    """审查文件（不写台账）— dry-run scan of documents.

    Exit status: 0 all pass, 1 something needs review or must not be published,
    2 a file could not be read. With --baseline only findings the baseline does not
    have count (the same rule, text and place in the same file is known).

    \b
    Example:
      secreview scan 通知.docx 名单.xlsx
      secreview scan --recursive 待发布/ --format json > 基线.json
      secreview scan --recursive 待发布/ --baseline 基线.json
      secreview scan --recursive 待发布/ --format sarif > 审查结果.sarif
    """
    # the scanning parts are imported here, not at start-up (issue 17)
    from secreview.baseline import apply_baseline, load_baseline
    from secreview.pipeline import expand_paths, scan_files
    from secreview.report.scan_csv import to_csv
    from secreview.report.scan_sarif import to_sarif
    from secreview.rules import load_ruleset

    dropped = 0
    try:
        config = state.config()
        baseline = load_baseline(baseline_file) if baseline_file else None
        files = expand_paths(paths, recursive)
        reports = scan_files(files, config, jobs)
        if baseline is not None:
            reports, dropped = apply_baseline(reports, baseline)
        ruleset = load_ruleset(config.rules_dirs) if fmt in ("sarif", "csv") else None
    except SecreviewError as e:
        fail(e)
    if fmt in ("json", "sarif", "csv"):
        if fmt == "json":
            print_json([r.to_dict() for r in reports])
        elif fmt == "sarif":
            assert ruleset is not None
            print_json(to_sarif(reports, ruleset))
        else:
            sys.stdout.write(to_csv(reports, ruleset))
        for r in reports:
            if r.error:
                click.echo(f"错误：{r.path}：{r.error.message} [{r.error.code}]", err=True)
    else:
        for r in reports:
            render_report(r, show_all)
        if len(reports) > 1 or recursive:
            stdout_console().print(escape(summary_line(reports)))
        if baseline_file:
            stdout_console().print(
                escape(f"已按基线 {baseline_file} 略去 {dropped} 个已知问题，只列出新问题")
            )
    raise SystemExit(exit_code_for(reports))


def summary_line(reports: list[Report]) -> str:
    """How many files were found, scanned and refused — so no file goes missing unnoticed."""
    refused = sum(r.verdict == "error" for r in reports)
    line = f"共 {len(reports)} 个文件：已审查 {len(reports) - refused} 个"
    if refused:
        line += f"，无法审查 {refused} 个（见上方错误）"
    return line

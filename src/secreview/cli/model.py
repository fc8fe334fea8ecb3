"""`secreview train` and `secreview model info` — train and describe the classifier."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import click

from secreview.cli.common import FORMAT, AppState, fail, print_json
from secreview.config import Config, shipped_dir, source_tree
from secreview.errors import SecreviewError, UsageError


def _default_corpus() -> Path:
    return shipped_dir("corpus")


def _default_shared() -> Path:
    env = os.environ.get("SECREVIEW_SHARED_DATA")
    if env:
        return Path(env)
    root = source_tree()
    return (root.parent if root is not None else Path.cwd().parent) / "shared" / "data"


def _default_out() -> Path:
    """The checkout's models/default; an installed package never writes into itself."""
    root = source_tree()
    return (root if root is not None else Path.cwd()) / "models" / "default"


def _summary_lines(card: dict[str, Any]) -> list[str]:
    from secreview.classify import LABELS_ZH, NON_PUBLIC

    held = card["held_out"]
    lines = [
        f"留出集（held-out）准确率 {held['argmax']['accuracy']:.4f}，"
        f"宏平均 F1 {held['argmax']['macro_f1']:.4f}；"
        f"5 折分组交叉验证宏平均 F1 {card['cv_5fold_grouped']['argmax']['macro_f1']:.4f}",
        "类别                      阈值    P       R       F1      (at threshold, held-out)",
    ]
    for label in NON_PUBLIC:
        m = held["at_threshold"][label]
        lines.append(
            f"  {label:<18} {LABELS_ZH[label]:<8} {card['thresholds'][label]:.3f}  "
            f"{m['precision']:.4f}  {m['recall']:.4f}  {m['f1']:.4f}  n={m['support']}"
        )
    fa = card["false_alarms"]
    lines.append(
        f"真实公开段落误报率 {fa['rate']:.2%}（{fa['paragraphs']} 段；{fa['basis']}；上限 "
        f"{fa['budget']:.0%}）"
    )
    doc = card.get("document_false_alarms")
    if doc and doc["documents"]:
        lines.append(
            f"公开文件误报率 {doc['rate']:.2%}（留出的公开文件 {doc['documents']} 份中 "
            f"{doc['flagged']} 份有段落被标记；交叉拟合 {doc['cross_fitted_rate']:.2%}；上限 "
            f"{doc['budget']:.0%}）"
        )
    return lines


def _warn_on_version_drift(out: Path) -> None:
    """Say so when this machine's libraries differ from those the existing model was built with."""
    from secreview.classify.environment import library_versions, version_differences

    for card_path in (
        out / "model_card.json",
        shipped_dir("models") / "default" / "model_card.json",
    ):
        try:
            recorded = json.loads(card_path.read_text("utf-8")).get("environment")
        except (OSError, ValueError):
            continue
        if recorded is None:
            continue
        diffs = version_differences(recorded, library_versions())
        if diffs:
            click.echo(
                f"注意：本机的库版本与 {card_path.parent} 的训练环境不同（{'；'.join(diffs)}），"
                "训练结果可能与该模型不一致；用 constraints.txt 安装可以复现"
                "（library versions differ from the recorded training environment）",
                err=True,
            )
        return


@click.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="语料目录，含 written/*.jsonl (default: corpus/ of the repository).",
)
@click.option(
    "--shared",
    "shared_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="共享公开数据目录 (default: ../shared/data next to the repository).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="模型输出目录 (default: models/default).",
)
@FORMAT
def train(corpus_dir: str | None, shared_dir: str | None, out_dir: str | None, fmt: str) -> None:
    """训练分类模型 — train the paragraph classifier and write its model card.

    Reads corpus/written/*.jsonl and the real public text in ../shared/data (never copied);
    if the shared data is absent it trains on the corpus alone and says so. Progress goes to
    stderr; the metrics summary (or the card with --format json) to stdout.

    \b
    Example:
      secreview train
      secreview train --corpus corpus/ --shared ../shared/data --out models/default
    """
    corpus = Path(corpus_dir) if corpus_dir else _default_corpus()
    shared = Path(shared_dir) if shared_dir else _default_shared()
    out = Path(out_dir) if out_dir else _default_out()
    if not shared.is_dir():
        click.echo(
            f"注意：未找到共享公开数据 {shared}，仅用 {corpus} 的语料训练"
            "（shared data absent: training on the corpus alone; no false-alarm figure on real "
            "public text）",
            err=True,
        )
        shared_used: Path | None = None
    else:
        shared_used = shared
    try:
        from secreview.classify.train import train_model
    except ImportError as e:  # scikit-learn is needed to train, not to scan
        fail(UsageError(f"训练需要 scikit-learn：{e}"))
    _warn_on_version_drift(out)
    started = time.perf_counter()
    try:
        card = train_model(corpus, shared_used, out, progress=lambda m: click.echo(m, err=True))
    except SecreviewError as e:
        fail(e)
    click.echo(f"训练用时 {time.perf_counter() - started:.1f}s", err=True)
    if fmt == "json":
        print_json(card)
    else:
        click.echo("\n".join(_summary_lines(card)))


@click.group()
def model() -> None:
    """分类模型 — the trained classifier."""


@model.command()
@FORMAT
@click.pass_obj
def info(state: AppState, fmt: str) -> None:
    """显示模型说明 — print the model card (verifies every model file first).

    \b
    Example:
      secreview model info
      secreview --model models/default model info --format json
    """
    config: Config = state.config()
    if config.model_dir is None:
        fail(UsageError("未配置模型目录（no model dir）"))
    from secreview.classify.predict import load_model

    try:
        loaded = load_model(config.model_dir)
        card = json.loads((Path(config.model_dir) / "model_card.json").read_text("utf-8"))
    except SecreviewError as e:
        fail(e)
    except (OSError, ValueError) as e:
        fail(UsageError(f"无法读取模型说明 model_card.json：{e}"))
    if fmt == "json":
        print_json({"model_dir": str(config.model_dir), "model_hash": loaded.hash, "card": card})
        return
    click.echo(f"模型目录 {config.model_dir}\n模型哈希 (sha256 of manifest.json) {loaded.hash}")
    md = Path(config.model_dir) / "model_card.md"
    click.echo(md.read_text("utf-8") if md.is_file() else "\n".join(_summary_lines(card)))

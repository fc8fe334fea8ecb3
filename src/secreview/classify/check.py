"""ClassifierCheck: every paragraph and table row scored; a review finding per flagged class.

The model (and jieba) load lazily, once per process and model directory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from secreview.checks import ScanContext
from secreview.classify import LABELS, LABELS_ZH, PUBLIC
from secreview.classify.corpus import long_enough
from secreview.classify.genre import HEAD_LINES, Detected, detect, relaxes
from secreview.classify.predict import LinearModel, load_model
from secreview.config import Config
from secreview.model import Document, Finding

log = logging.getLogger(__name__)

SKIPPED_PARTS = frozenset({"metadata", "image_only_page"})
# Where a document's title lives: the first lines of page 1 (not comments, revisions, metadata).
HEAD_PARTS = frozenset({"body", "header", "textbox", "table"})
SHOWN_CHARS = 120
BASIS = "《政府信息公开条例》第十五条、第十六条"
# Paragraphs scored together (classify/batch.py): enough to amortise the array calls (twice
# 1024 paragraphs / 128k characters: ~12 % less CPU time), few enough that a batch's arrays
# peak at ~45 MiB (~170 bytes a character).
BATCH_PARAGRAPHS = 2048
BATCH_CHARS = 1 << 18

_LOCK = threading.Lock()
_MODELS: dict[str, LinearModel] = {}


def get_model(model_dir: Path) -> LinearModel:
    """The verified model for ``model_dir``, loaded once per process."""
    key = str(Path(model_dir).resolve())
    model = _MODELS.get(key)
    if model is None:
        with _LOCK:
            model = _MODELS.get(key)
            if model is None:
                model = load_model(Path(model_dir))
                _MODELS[key] = model
    return model


def model_available(config: Config) -> bool:
    return (
        config.use_classifier
        and config.model_dir is not None
        and (Path(config.model_dir) / "manifest.json").is_file()
    )


def model_hash(config: Config) -> str | None:
    """sha256 of the model's manifest (covers every model file), for the ledger; None if none."""
    if not model_available(config):
        return None
    assert config.model_dir is not None
    return get_model(config.model_dir).hash


def _batches(
    items: Iterator[tuple[int, str]],
    max_items: int = BATCH_PARAGRAPHS,
    max_chars: int = BATCH_CHARS,
) -> Iterator[list[tuple[int, str]]]:
    """Consecutive runs of paragraphs, each of at most ``max_items`` and about ``max_chars``."""
    chunk: list[tuple[int, str]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[1])
        if len(chunk) >= max_items or size >= max_chars:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _clip(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def document_genre(doc: Document, ctx: ScanContext) -> Detected | None:
    """The genre named by the head of ``doc``: its first non-empty lines on page 1."""
    head: list[str] = []
    for i, seg in enumerate(doc.segments):
        loc = seg.location
        if loc.part not in HEAD_PARTS or loc.page not in (None, 1):
            continue
        text = ctx.normalized_text(i).strip()
        if text:
            head.append(text)
            if len(head) >= HEAD_LINES:
                break
    return detect(head)


@dataclass
class Scored:
    """What scoring a range of segments gave: its findings, its best flagged (label, score),
    and the public-class probability of each scored paragraph."""

    findings: list[Finding] = field(default_factory=list)
    best: tuple[str, float] | None = None
    public_scores: list[float] = field(default_factory=list)


class ClassifierCheck:
    name = "classifier"

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        genre = document_genre(doc, ctx)
        return self.summarise(ctx, genre, [self.score_range(doc, ctx, genre, 0, len(doc.segments))])

    def score_range(
        self, doc: Document, ctx: ScanContext, genre: Detected | None, lo: int, hi: int
    ) -> Scored:
        """Segments ``lo … hi-1`` scored; ``summarise`` joins ranges scored apart (in order)
        into exactly what one pass over the document gives (classify/split.py)."""
        model = get_model(self.model_dir)
        gid = genre.id if genre is not None else None
        got = Scored()
        public = LABELS.index(PUBLIC)
        for chunk in _batches(self._scored(doc, ctx, lo, hi)):
            batch = model.batch([norm for _, norm in chunk])
            public_proba = batch.proba[:, public].copy()
            for r in np.flatnonzero(model.may_flag(batch.proba)):
                i, norm = chunk[r]
                # A paragraph near a threshold is scored again from its features in token
                # order, as one at a time: the same score and top terms to the last bit.
                feats = batch.features(int(r))
                proba = model.proba_features(feats)
                public_proba[r] = proba[public]
                # the genre's floors reach only paragraphs of the genre's own kind (genre.relaxes)
                here = genre if genre is not None and relaxes(gid, norm) else None
                for label, score in model.flagged(proba, here.id if here is not None else None):
                    if got.best is None or score > got.best[1]:
                        got.best = (label, score)
                    got.findings.append(
                        self._finding(ctx, i, norm, model, feats, label, score, here)
                    )
            got.public_scores.extend(public_proba.tolist())
        return got

    def summarise(
        self, ctx: ScanContext, genre: Detected | None, parts: list[Scored]
    ) -> list[Finding]:
        """The findings of ranges scored in document order, and the document's summary."""
        model = get_model(self.model_dir)
        out: list[Finding] = []
        public_scores: list[float] = []
        best: tuple[str, float] | None = None
        for part in parts:
            out.extend(part.findings)
            public_scores.extend(part.public_scores)
            if part.best is not None and (best is None or part.best[1] > best[1]):
                best = part.best
        if best is not None:
            ctx.summary["classifier"] = self._summary(best[0], best[1], model, public_scores, genre)
        elif public_scores:
            mean = float(np.mean(public_scores))
            ctx.summary["classifier"] = self._summary(PUBLIC, mean, model, public_scores, genre)
        return out

    @staticmethod
    def _scored(doc: Document, ctx: ScanContext, lo: int, hi: int) -> Iterator[tuple[int, str]]:
        """(segment index, normalized text) of every segment in ``lo … hi-1`` the classifier
        scores."""
        for i in range(lo, hi):
            if doc.segments[i].location.part in SKIPPED_PARTS:
                continue
            norm = ctx.normalized_text(i)
            if long_enough(norm):
                yield i, norm

    @staticmethod
    def _summary(
        label: str,
        score: float,
        model: LinearModel,
        scored: list[float],
        genre: Detected | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": label,
            "score": round(score, 4),
            "paragraphs": len(scored),
            "model": model.hash[:16],
        }
        if genre is not None:
            out["genre"] = {"id": genre.id, "name": genre.genre.name, "line": _clip(genre.line)}
        return out

    @staticmethod
    def _finding(
        ctx: ScanContext,
        i: int,
        norm: str,
        model: LinearModel,
        feats: Any,
        label: str,
        score: float,
        genre: Detected | None = None,
    ) -> Finding:
        terms = model.top_terms(feats, label)
        threshold = model.thresholds_for(genre.id if genre is not None else None)[label]
        reason = f"分类器判断疑似{LABELS_ZH[label]}（{score:.2f}），需人工复核" + (
            f"；主要依据词：{'、'.join(terms)}" if terms else ""
        )
        if genre is not None and threshold > model.thresholds[label]:
            reason += (
                f"；本文件为{genre.genre.name}，此类内容在该类文件中须达到 {threshold:.2f} "
                f"才提示，本段已超过"
            )
        start = len(norm) - len(norm.lstrip())
        end = len(norm.rstrip())
        f = ctx.finding(
            i,
            start,
            end,
            rule=f"classifier.{label}",
            category=label,
            severity="review",
            reason=reason,
            source="classifier",
            basis=BASIS,
        )
        f.text = _clip(f.text)
        f.context = _clip(f.context)
        f.extra = {
            "score": round(score, 4),
            "threshold": threshold,
            "terms": terms,
        }
        return f

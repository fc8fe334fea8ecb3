"""ClassifierCheck: every paragraph and table row scored; a review finding per flagged class.

The model (and jieba) load lazily, once per process and model directory.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from secreview.checks import ScanContext
from secreview.classify import LABELS, LABELS_ZH, PUBLIC
from secreview.classify.corpus import long_enough
from secreview.classify.predict import LinearModel, load_model
from secreview.config import Config
from secreview.model import Document, Finding

log = logging.getLogger(__name__)

SKIPPED_PARTS = frozenset({"metadata", "image_only_page"})
SHOWN_CHARS = 120
BASIS = "《政府信息公开条例》第十五条、第十六条"
# Paragraphs scored together (classify/batch.py): enough to amortise the array calls, few
# enough that the batch's arrays stay a few MB.
BATCH_PARAGRAPHS = 1024
BATCH_CHARS = 1 << 17

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


class ClassifierCheck:
    name = "classifier"

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)

    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        model = get_model(self.model_dir)
        out: list[Finding] = []
        public_scores: list[float] = []
        best: tuple[str, float] | None = None
        public = LABELS.index(PUBLIC)
        for chunk in _batches(self._scored(doc, ctx)):
            batch = model.batch([norm for _, norm in chunk])
            public_proba = batch.proba[:, public].copy()
            for r in np.flatnonzero(model.may_flag(batch.proba)):
                i, norm = chunk[r]
                # A paragraph near a threshold is scored again from its features in token
                # order, as one at a time: the same score and top terms to the last bit.
                feats = batch.features(int(r))
                proba = model.proba_features(feats)
                public_proba[r] = proba[public]
                for label, score in model.flagged(proba):
                    if best is None or score > best[1]:
                        best = (label, score)
                    out.append(self._finding(ctx, i, norm, model, feats, label, score))
            public_scores.extend(public_proba.tolist())
        if best is not None:
            ctx.summary["classifier"] = self._summary(best[0], best[1], model, public_scores)
        elif public_scores:
            mean = float(np.mean(public_scores))
            ctx.summary["classifier"] = self._summary(PUBLIC, mean, model, public_scores)
        return out

    @staticmethod
    def _scored(doc: Document, ctx: ScanContext) -> Iterator[tuple[int, str]]:
        """(segment index, normalized text) of every segment the classifier scores."""
        for i, seg in enumerate(doc.segments):
            if seg.location.part in SKIPPED_PARTS:
                continue
            norm = ctx.normalized_text(i)
            if long_enough(norm):
                yield i, norm

    @staticmethod
    def _summary(
        label: str, score: float, model: LinearModel, scored: list[float]
    ) -> dict[str, Any]:
        return {
            "label": label,
            "score": round(score, 4),
            "paragraphs": len(scored),
            "model": model.hash[:16],
        }

    @staticmethod
    def _finding(
        ctx: ScanContext,
        i: int,
        norm: str,
        model: LinearModel,
        feats: Any,
        label: str,
        score: float,
    ) -> Finding:
        terms = model.top_terms(feats, label)
        reason = f"分类器判断疑似{LABELS_ZH[label]}（{score:.2f}），需人工复核" + (
            f"；主要依据词：{'、'.join(terms)}" if terms else ""
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
            "threshold": model.thresholds[label],
            "terms": terms,
        }
        return f

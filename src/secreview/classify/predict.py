"""Paragraph scores and their top contributing terms — numpy only (no scikit-learn at scan time).

The arithmetic reproduces what training fitted with scikit-learn:
TF-IDF per block (sublinear tf ``1 + ln(count)``, times idf, L2-normalised per block), the
blocks concatenated, a one-vs-rest linear decision ``x·w_k + b_k``, per-class sigmoid
calibration ``1 / (1 + exp(a_k d_k + b_k))``, then the class probabilities normalised to sum 1.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from secreview.classify import LABELS, PUBLIC
from secreview.classify.batch import (
    Batch,
    CharVocab,
    Features,
    WordCache,
    calibrate,
    supported,
)
from secreview.classify.store import VerifiedFiles
from secreview.classify.tokenize import (
    TokenizerSpec,
    char_ngrams,
    get_tokenizer,
    is_word_feature,
    prepare,
    word_tokens,
)
from secreview.errors import UsageError

log = logging.getLogger(__name__)

# Pieces whose words the batch path keeps (classify/batch.py WordCache): ~200 bytes each.
WORD_CACHE_PIECES = 1 << 16


def _block(tokens: list[str], index: dict[str, int], idf: np.ndarray, offset: int) -> Features:
    """One block of one paragraph, term by term — the reference the batch path is tested on."""
    # Known terms in order of first occurrence, with their counts (the lookups run in C).
    counts = Counter(tokens)
    ids = np.fromiter(map(index.get, counts, repeat(-1)), dtype=np.int64, count=len(counts))
    known = ids >= 0
    if not known.any():
        return Features(np.empty(0, np.int64), np.empty(0, np.float64))
    local = ids[known]
    tf = 1.0 + np.log(
        np.fromiter(counts.values(), dtype=np.int64, count=len(counts))[known].astype(np.float64)
    )
    val = tf * idf[local]
    norm = float(np.sqrt(np.dot(val, val)))
    if norm > 0:
        val = val / norm
    return Features(local + offset, val)


class LinearModel:
    """A loaded model. Build with :func:`load_model`."""

    def __init__(self, files: VerifiedFiles) -> None:
        meta = files.json("model.json")
        if tuple(meta.get("labels", ())) != LABELS:
            raise UsageError(f"模型的类别与本程序不符：{meta.get('labels')}（retrain the model）")
        self.dir = files.dir
        self.hash = files.hash
        self.meta = meta
        self.labels = LABELS
        self.thresholds = {k: float(v) for k, v in meta["thresholds"].items()}
        # Per genre id (classify/genre.py): the raised thresholds of the classes that genre
        # publishes by design. Absent from models trained before genres existed.
        self.genre_thresholds: dict[str, dict[str, float]] = {
            gid: {k: float(v) for k, v in raised.items()}
            for gid, raised in meta.get("genre_thresholds", {}).items()
        }
        self.spec = TokenizerSpec.from_dict(meta["tokenizer"])
        self.userdict = files.bytes("userdict.txt")
        self.word_terms: list[str] = files.json("vocab_word.json")
        self.char_terms: list[str] = files.json("vocab_char.json")
        self.word_index = {t: i for i, t in enumerate(self.word_terms)}
        self.char_index = {t: i for i, t in enumerate(self.char_terms)}
        self.idf_word = files.array("idf_word.npy", "float64")
        self.idf_char = files.array("idf_char.npy", "float64")
        self.coef = files.array("coef.npy", "float32")  # (n_features, n_classes)
        self.intercept = files.array("intercept.npy", "float64")
        self.calib_a = files.array("calib_a.npy", "float64")
        self.calib_b = files.array("calib_b.npy", "float64")
        n_word, n_char, k = len(self.word_terms), len(self.char_terms), len(LABELS)
        if (
            self.idf_word.shape != (n_word,)
            or self.idf_char.shape != (n_char,)
            or self.coef.shape != (n_word + n_char, k)
            or self.intercept.shape != (k,)
            or self.calib_a.shape != (k,)
            or self.calib_b.shape != (k,)
        ):
            raise UsageError(f"模型文件的数组尺寸不一致（corrupt model）：{self.dir}")
        self.n_word = n_word
        self._tokenizer: Any = None
        # For the batch path (classify/batch.py): float64 weights per block (class-major), the char
        # vocabulary as packed integer keys, and whether jieba's words still need the filter
        # of word_tokens (not when every vocabulary word passes it: the others are unknown).
        coef64 = self.coef.astype(np.float64).T  # (classes, terms)
        self.coef_word = np.ascontiguousarray(coef64[:, :n_word])
        self.coef_char = np.ascontiguousarray(coef64[:, n_word:])
        self.filter_words = not all(map(is_word_feature, self.word_terms))
        self._char_vocab: CharVocab | None = None
        self._word_cache: WordCache | None = None

    @property
    def char_vocab(self) -> CharVocab | None:
        """The char vocabulary as packed keys (built on first use); None: n-grams too long."""
        lo, hi = self.spec.char_ngram_min, self.spec.char_ngram_max
        if self._char_vocab is None and supported(lo, hi):
            self._char_vocab = CharVocab(self.char_terms, lo, hi)
        return self._char_vocab

    @property
    def word_cache(self) -> WordCache:
        """Known words of each piece of text cut so far (classify/batch.py), built on first use."""
        cache = self._word_cache
        if cache is None or cache.filtered != self.filter_words:
            self._word_cache = cache = WordCache(
                self.tokenizer, self.word_index, self.filter_words, WORD_CACHE_PIECES
            )
        return cache

    def forget_words(self) -> None:
        """Empty the word cache (benchmarks measure a cold one)."""
        self._word_cache = None

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            self._tokenizer = get_tokenizer(self.spec, self.userdict)
        return self._tokenizer

    def features(self, normalized_text: str) -> Features:
        text = prepare(normalized_text)
        words = word_tokens(self.tokenizer, text)
        chars = char_ngrams(text, self.spec.char_ngram_min, self.spec.char_ngram_max)
        w = _block(words, self.word_index, self.idf_word, 0)
        c = _block(chars, self.char_index, self.idf_char, self.n_word)
        return Features(np.concatenate([w.idx, c.idx]), np.concatenate([w.val, c.val]))

    def decision(self, feats: Features) -> np.ndarray:
        rows = self.coef[feats.idx].astype(np.float64)
        return np.asarray(feats.val @ rows + self.intercept)

    def proba(self, normalized_text: str) -> np.ndarray:
        return self.proba_features(self.features(normalized_text))

    def batch(self, normalized_texts: Sequence[str]) -> Batch:
        """Scores of many paragraphs at once (``.proba``, ``.features(r)``): classify/batch.py."""
        return Batch(self, normalized_texts)

    def proba_features(self, feats: Features) -> np.ndarray:
        return calibrate(self.decision(feats), self.calib_a, self.calib_b)

    def top_terms(self, feats: Features, label: str, n: int = 5) -> list[str]:
        """The words that pushed the paragraph towards ``label`` most (char n-grams if few)."""
        k = self.labels.index(label)
        rows = self.coef[feats.idx]
        # What separates the paragraph from public text: (w_k - w_public) · x, with w_k > 0.
        margin = rows[:, k].astype(np.float64) - rows[:, self.labels.index(PUBLIC)]
        contrib = np.where(rows[:, k] > 0, feats.val * margin, 0.0)
        order = np.argsort(-contrib, kind="stable")
        words: list[str] = []
        grams: list[str] = []
        for j in order:
            if contrib[j] <= 0:
                break
            i = int(feats.idx[j])
            if i < self.n_word:
                term = self.word_terms[i]
                if not term.strip("0"):
                    continue
                words.append(term)
            else:
                term = self.char_terms[i - self.n_word]
                if len(term) >= 2 and term.strip("0") and len(grams) < n:
                    grams.append(term)
            if len(words) >= n:
                break
        if len(words) < 3:
            for g in grams:
                if len(words) >= 3:
                    break
                if not any(g in w for w in words):
                    words.append(g)
        return words[:n]

    def thresholds_for(self, genre: str | None = None) -> dict[str, float]:
        """The threshold of each non-public class in a document of ``genre`` (None: none)."""
        raised = self.genre_thresholds.get(genre, {}) if genre is not None else {}
        return {**self.thresholds, **raised}

    def may_flag(self, proba: np.ndarray, slack: float = 1e-9) -> np.ndarray:
        """Rows of ``proba`` (n, classes) with a non-public class within ``slack`` of its
        threshold or above it. A genre only ever raises thresholds (thresholds.py), so the
        base thresholds give every row that can be flagged in any genre."""
        k = [j for j, label in enumerate(self.labels) if label != PUBLIC]
        limits = np.array([self.thresholds[self.labels[j]] for j in k]) - slack
        return np.asarray((proba[:, k] >= limits).any(axis=1))

    def flagged(self, proba: np.ndarray, genre: str | None = None) -> list[tuple[str, float]]:
        """Non-public classes whose probability reaches their threshold (in a document of
        ``genre``, when given), best first."""
        th = self.thresholds_for(genre)
        out = [
            (label, float(proba[k]))
            for k, label in enumerate(self.labels)
            if label != PUBLIC and proba[k] >= th[label]
        ]
        return sorted(out, key=lambda x: -x[1])


def load_model(model_dir: Path) -> LinearModel:
    """Load and verify a model directory (every file's sha256 against the manifest)."""
    return LinearModel(VerifiedFiles(Path(model_dir)))

"""Train the paragraph classifier (scikit-learn; only imported here, never at scan time).

Pipeline: corpus.build_dataset → jieba words + char n-grams → two TF-IDF blocks (sublinear tf,
L2 per block) → one-vs-rest LinearSVC with balanced class weights (written public paragraphs and
shared public paragraphs share the public weight half and half) → per-class sigmoid calibration
fitted on the out-of-fold decisions of a 5-fold grouped CV on the training side → thresholds per
non-public class chosen on the held-out side. Everything is seeded; output files are
byte-deterministic for the same inputs and library versions.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from secreview.classify import LABELS, LABELS_ZH, MIN_CHARS, NON_PUBLIC, PUBLIC
from secreview.classify.corpus import (
    GENRE_STRATIFIED_FILES,
    REAL_PUBLIC_SOURCES,
    SHARED_SOURCES,
    Dataset,
    Example,
    HeldOutDoc,
    build_dataset,
    is_test,
    label_counts,
    source_counts,
)
from secreview.classify.environment import library_versions
from secreview.classify.genre import BY_ID as GENRES_BY_ID
from secreview.classify.genre import detect, relaxes
from secreview.classify.predict import calibrate
from secreview.classify.store import json_bytes, npy_bytes, save_model
from secreview.classify.thresholds import (
    DOC_BUDGET_MIN_DOCS,
    DOC_FALSE_ALARM_BUDGET,
    DOC_POOLED_BUDGET,
    FALSE_ALARM_BUDGET,
    GENRE_RECALL_LOSS,
    GENRE_RECALL_LOSS_BY_CLASS,
    GENRE_RECALL_LOSS_BY_GENRE,
    RECALL_BETA,
    RECALL_FLOOR,
    DocSet,
    Floors,
    choose_thresholds,
    doc_flags,
    effective,
    expected_mask,
    flags,
    genre_floors,
    genre_recall_loss,
    genre_thresholds,
)
from secreview.classify.tokenize import (
    USERDICT_PATH,
    char_ngrams,
    current_spec,
    get_tokenizer,
    prepare,
    word_tokens,
)
from secreview.errors import UsageError

log = logging.getLogger(__name__)

SEED = 20240601
C = 0.5
MAX_WORD_FEATURES = 30000
MAX_CHAR_FEATURES = 60000
MIN_DF = 2
PUBLIC_WEIGHT = 4.0  # total weight of the public class relative to each non-public class
CV_FOLDS = 5
MIN_PER_CLASS = 6  # training paragraphs needed per class

Progress = Callable[[str], None]

# Genre markers (training only). Offices publish genres whose ordinary wording looks like what
# the classifier must find elsewhere: an FAQ's 问/答, a 处罚决定书's 执法人员…检查笔录为证, a
# 公示's names and posts. Trained as plain public text, that wording would teach the model that
# 问/答 or 执法人员 is public — and a real 询问笔录 would score lower. So each training paragraph
# of a document whose head names a genre also carries a marker feature for the genre: the model
# can attribute the publicness to the genre instead of the words. The marker is removed from the
# saved model and never computed at scan time, so no learned weight can lower a score then; at
# scan time a genre acts only through its bounded floors (classify/thresholds.py).
MARKER_PREFIX = "⟨genre:"
# Not marked: genres that are public by law or regulation and whose wording the model should
# learn as public wherever it appears — statutes (a regulation quoted in a notice), published
# 行政处罚决定书 and 通报 of concluded cases (their 处罚/违法事实 wording in a news item) — and
# service notices (停水停电, 预警), whose plants and pipes are named in public news too.
UNMARKED_GENRES = frozenset({"law", "penalty", "bulletin", "outage", "warning"})

# The written files of the issue-12 model (plain salted-hash split, unchanged since): the card
# reports recall on their held-out positives too, like for like with the earlier cards.
EARLIER_WRITTEN_FILES = frozenset(
    {
        "enforcement_case.jsonl",
        "internal_affairs.jsonl",
        "personal_info.jsonl",
        "process_info.jsonl",
        "public_a.jsonl",
        "public_b.jsonl",
        "public_tables.jsonl",
        "state_secret.jsonl",
    }
)


def genre_marker(genre: str) -> str:
    return f"{MARKER_PREFIX}{genre}⟩"


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _r(x: float) -> float:
    return round(float(x), 4)


def _tokens(examples: list[Example], tokenizer: Any, spec: Any) -> tuple[list, list]:
    words, chars = [], []
    for e in examples:
        text = prepare(e.text)
        words.append(word_tokens(tokenizer, text))
        chars.append(char_ngrams(text, spec.char_ngram_min, spec.char_ngram_max))
    return words, chars


def _sample_weights(examples: list[Example], y: np.ndarray) -> np.ndarray:
    """Balanced classes; inside public, written and shared paragraphs weigh half each."""
    k = len(LABELS)
    n = len(examples)
    w = np.zeros(n)
    for c in range(k):
        mask = y == c
        if not mask.any():
            continue
        if LABELS[c] == PUBLIC:
            written = mask & np.array([e.source == "written" for e in examples])
            shared = mask & ~written
            parts = [m for m in (written, shared) if m.any()]
            for m in parts:
                w[m] = PUBLIC_WEIGHT * n / k / len(parts) / m.sum()
        else:
            w[mask] = n / k / mask.sum()
    return w


def _fit_svc(X: Any, y: np.ndarray, w: np.ndarray) -> Any:
    from sklearn.svm import LinearSVC

    clf = LinearSVC(C=C, random_state=SEED, max_iter=5000, dual=True)
    clf.fit(X, y, sample_weight=w)
    return clf


def _decisions(clf: Any, X: Any) -> np.ndarray:
    """Decision values in LABELS order even when a fold lacked some classes."""
    d = clf.decision_function(X)
    classes = list(clf.classes_)
    if d.ndim == 1:
        d = np.column_stack([-d, d])
    out = np.full((X.shape[0], len(LABELS)), float(d.min()) - 1.0 if d.size else -1.0)
    for j, c in enumerate(classes):
        out[:, c] = d[:, j]
    return out


def _fit_sigmoid(d: np.ndarray, t: np.ndarray) -> tuple[float, float]:
    """Platt scaling: p = 1 / (1 + exp(a*d + b)), fitted with Platt's target smoothing."""
    from scipy.optimize import minimize

    n_pos = float(t.sum())
    n_neg = float(len(t) - n_pos)
    target = np.where(t == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * d + ab[1]
        p = 1 / (1 + np.exp(np.clip(z, -500, 500)))
        eps = 1e-12
        ll = -(target * np.log(p + eps) + (1 - target) * np.log(1 - p + eps)).sum()
        g = target - p  # d(loss)/dz
        return float(ll), np.array([float((g * d).sum()), float(g.sum())])

    prior = np.log((n_neg + 1) / (n_pos + 1))
    res = minimize(loss, np.array([0.0, prior]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": int(tp + fn)}


def argmax_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    pred = proba.argmax(axis=1)
    k = len(LABELS)
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(y, pred, strict=True):
        cm[t, p] += 1
    per = {}
    for c, label in enumerate(LABELS):
        tp = int(cm[c, c])
        per[label] = _prf(tp, int(cm[:, c].sum()) - tp, int(cm[c, :].sum()) - tp)
    present = [label for label in LABELS if per[label]["support"]]
    macro = float(np.mean([per[label]["f1"] for label in present])) if present else 0.0
    return {
        "per_class": per,
        "macro_f1": _r(macro),
        "accuracy": _r(float((pred == y).mean())) if len(y) else 0.0,
        "confusion_matrix": {"labels": list(LABELS), "rows_true_cols_pred": cm.tolist()},
    }


def threshold_metrics(
    y: np.ndarray, proba: np.ndarray, thresholds: dict[str, float]
) -> dict[str, dict[str, float]]:
    """One-vs-rest detection per non-public class: flagged when p_k >= t_k."""
    out = {}
    for label in NON_PUBLIC:
        c = LABELS.index(label)
        flag = proba[:, c] >= thresholds[label]
        pos = y == c
        out[label] = _prf(
            int((flag & pos).sum()), int((flag & ~pos).sum()), int((~flag & pos).sum())
        )
    return out


def any_class_recall(
    y: np.ndarray, proba: np.ndarray, thresholds: dict[str, float]
) -> dict[str, float]:
    """Per non-public class: share of its held-out paragraphs flagged by ANY class (what a
    reviewer gets to see, whichever class the model names)."""
    flagged = flags(proba, thresholds)
    out = {}
    for label in NON_PUBLIC:
        pos = y == LABELS.index(label)
        out[label] = _r(flagged[pos].mean()) if pos.any() else 0.0
    return out


def doc_max_proba(proba: np.ndarray, sizes: list[int]) -> np.ndarray:
    """(n_docs, n_classes): per document, each class's highest paragraph probability."""
    if not sizes:
        return np.zeros((0, len(LABELS)))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return np.maximum.reduceat(proba, starts, axis=0)


def cross_fitted_doc_flags(
    y: np.ndarray,
    proba: np.ndarray,
    real_public: np.ndarray,
    floors_of: Callable[[dict[str, float]], Floors],
    docs: DocSet,
) -> np.ndarray:
    """Per held-out document: flagged when the thresholds are chosen on the other random half
    of the documents — an estimate of the document-level false alarms on documents the
    thresholds never saw."""
    half = np.array([is_test(f"doc-half:{d}", 0.5) for d in docs.ids], dtype=bool)
    out = np.zeros(len(docs), dtype=bool)
    for side in (True, False):
        tune = half == side
        if tune.all() or not tune.any():
            continue
        th, floors, _ = choose_thresholds(y, proba, real_public, floors_of, docs.subset(tune))
        out[~tune] = doc_flags(docs.subset(~tune), th, floors)
    return out


def _document_set(data: Dataset, test: list[Example]) -> list[HeldOutDoc]:
    """Every held-out public document: whole documents of the shared document sources and of
    corpus/written, plus the held-out sentences of the sentence sources (a résumé group of
    resume-ner is one document, every other sentence is a document of its own)."""
    docs = list(data.heldout_docs)
    sentence_sources = {s.name for s in SHARED_SOURCES if s.kind == "sentence"}
    groups: dict[str, list[Example]] = {}
    for e in test:
        if e.source in sentence_sources and e.label == PUBLIC:
            groups.setdefault(e.group, []).append(e)
    for group in sorted(groups):
        exs = groups[group]
        paras = tuple(e.text for e in exs)
        docs.append(HeldOutDoc(group, exs[0].source, paras, exs[0].source, paras[:6]))
    return docs


def _rate(flagged: np.ndarray) -> float:
    return _r(flagged.mean()) if len(flagged) else 0.0


def _document_report(
    docs: DocSet, sizes: list[int], flagged: np.ndarray, cross: np.ndarray, eff: np.ndarray
) -> dict[str, Any]:
    """Document-level false alarms per source, per source genre, per detected genre, per class
    (``eff``: the threshold each document's paragraphs needed per class)."""

    def block(mask: np.ndarray) -> dict[str, Any]:
        return {
            "documents": int(mask.sum()),
            "paragraphs": int(sum(n for n, k in zip(sizes, mask, strict=True) if k)),
            "flagged": int(flagged[mask].sum()),
            "rate": _rate(flagged[mask]),
            "cross_fitted_flagged": int(cross[mask].sum()),
        }

    sources = sorted(set(docs.sources.tolist()))
    by_source = {src: block(docs.sources == src) for src in sources}
    by_source_genre = {}
    for src in sources:
        for g in sorted({docs.source_genres[i] for i in np.flatnonzero(docs.sources == src)}):
            m = np.array(
                [
                    s == src and sg == g
                    for s, sg in zip(docs.sources, docs.source_genres, strict=True)
                ]
            )
            by_source_genre[f"{src} / {g}"] = block(m)
    by_genre = {}
    for gid in sorted({g for g in docs.genres if g is not None}):
        by_genre[gid] = block(np.array([g == gid for g in docs.genres]))
    by_genre["(none)"] = block(np.array([g is None for g in docs.genres]))
    per_class = {}
    for label in NON_PUBLIC:
        k = LABELS.index(label)
        per_class[label] = _rate(docs.doc_max[:, k] >= eff[:, k]) if len(docs) else 0.0
    return {
        "basis": (
            "every held-out public document: whole documents of "
            + ", ".join(REAL_PUBLIC_SOURCES)
            + " and corpus/written, and the held-out sentences of the sentence sources; a "
            "document is a false alarm when any paragraph is flagged (genre floors applied)"
        ),
        "documents": len(docs),
        "paragraphs": int(sum(sizes)),
        "flagged": int(flagged.sum()),
        "rate": _rate(flagged),
        "budget": DOC_FALSE_ALARM_BUDGET,
        "pooled_budget": DOC_POOLED_BUDGET,
        "cross_fitted_flagged": int(cross.sum()),
        "cross_fitted_rate": _rate(cross),
        "by_source": by_source,
        "by_source_genre": by_source_genre,
        "by_detected_genre": by_genre,
        "by_class": per_class,
    }


def _genre_recall(
    y: np.ndarray,
    proba: np.ndarray,
    texts: list[str],
    thresholds: dict[str, float],
    floors: Floors,
) -> dict[str, dict[str, float]]:
    """Held-out recall of each class a genre publishes by design, as if each held-out paragraph
    stood in a document of that genre (the genre's floor where genre.relaxes says it reaches
    the paragraph): what a leak dressed up as that genre still gets flagged. "(none)": plain."""

    def recall(label: str, gid: str | None) -> float:
        c = LABELS.index(label)
        idx = np.flatnonzero(y == c)
        if not len(idx):
            return 0.0
        floor = floors.get(gid, {}).get(label, 0.0) if gid is not None else 0.0
        need = [
            max(thresholds[label], floor) if gid is not None and relaxes(gid, texts[i])
            else thresholds[label]
            for i in idx
        ]  # fmt: skip
        return _r(float((proba[idx, c] >= np.array(need)).mean()))

    out = {"(none)": {label: recall(label, None) for label in NON_PUBLIC}}
    for gid, g in sorted(GENRES_BY_ID.items()):
        out[gid] = {label: recall(label, gid) for label in g.expected}
    return out


def _grouped_folds(examples: list[Example], y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedGroupKFold

    groups = np.array([e.group for e in examples])
    cv = StratifiedGroupKFold(n_splits=CV_FOLDS, shuffle=True, random_state=SEED)
    return list(cv.split(np.zeros(len(y)), y, groups))


def train_model(
    corpus_dir: Path,
    shared_dir: Path | None,
    out_dir: Path,
    progress: Progress = lambda _msg: None,
) -> dict[str, Any]:
    """Build the dataset, train, evaluate, choose thresholds, write ``out_dir``; returns the card."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    started = time.perf_counter()
    data: Dataset = build_dataset(corpus_dir, shared_dir)
    train, test = data.train, data.test
    counts = label_counts(train)
    short = [label for label in LABELS if counts[label] < MIN_PER_CLASS]
    if short:
        raise UsageError(
            "训练语料不足：类别 "
            + "、".join(f"{label}({counts[label]})" for label in short)
            + f" 的训练段落少于 {MIN_PER_CLASS} 个（not enough training paragraphs）"
        )
    progress(
        f"数据（{time.perf_counter() - started:.1f}s）：训练 {len(train)} 段，测试 {len(test)} 段；"
        f"共享公开数据{'已使用' if data.shared_used else '未使用'}"
    )

    userdict = USERDICT_PATH.read_bytes()
    spec = current_spec(userdict)
    tokenizer = get_tokenizer(spec, userdict)
    w_train, c_train = _tokens(train, tokenizer, spec)
    w_test, c_test = _tokens(test, tokenizer, spec)
    progress(f"分词完成（{time.perf_counter() - started:.1f}s）")

    def vec(max_features: int) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=_identity,
            min_df=MIN_DF,
            max_features=max_features,
            sublinear_tf=True,
            dtype=np.float64,
        )

    vw, vc = vec(MAX_WORD_FEATURES), vec(MAX_CHAR_FEATURES)
    # Training rows of a document whose head names a genre carry that genre's marker (see
    # genre_marker); X0 is the same rows without it — what scanning sees.
    w_marked = [
        w + [genre_marker(e.genre)] if e.genre and e.genre not in UNMARKED_GENRES else w
        for e, w in zip(train, w_train, strict=True)
    ]
    Xc = vc.fit_transform(c_train)
    Xw = vw.fit_transform(w_marked)
    X = sparse.hstack([Xw, Xc]).tocsr()
    # Without the markers: their columns zeroed and the word block re-normalised, which is what
    # vw.transform(w_train) computes (TF-IDF rows are L2-normalised per block), without a pass.
    unmarked = np.array(
        [not t.startswith(MARKER_PREFIX) for t in vw.get_feature_names_out()], dtype=np.float64
    )
    Xw0 = normalize((Xw @ sparse.diags(unmarked)).tocsr(), norm="l2", copy=False)
    Xw0.eliminate_zeros()
    X0 = sparse.hstack([Xw0, Xc]).tocsr()
    Xt = sparse.hstack([vw.transform(w_test), vc.transform(c_test)]).tocsr()
    y = np.array([LABELS.index(e.label) for e in train])
    yt = np.array([LABELS.index(e.label) for e in test])
    sw = _sample_weights(train, y)
    progress(
        f"特征（{time.perf_counter() - started:.1f}s）：词 {len(vw.vocabulary_)}，"
        f"字 n-gram {len(vc.vocabulary_)}"
    )

    # 5-fold grouped CV on the training side: out-of-fold decisions for calibration and metrics.
    folds = _grouped_folds(train, y)
    oof = np.zeros((len(y), len(LABELS)))
    for n, (tr, va) in enumerate(folds, 1):
        oof[va] = _decisions(_fit_svc(X[tr], y[tr], sw[tr]), X0[va])
        progress(f"交叉验证 第 {n}/{CV_FOLDS} 折（{time.perf_counter() - started:.1f}s）")
    calib = [_fit_sigmoid(oof[:, c], (y == c).astype(float)) for c in range(len(LABELS))]
    a = np.array([ab[0] for ab in calib])
    b = np.array([ab[1] for ab in calib])
    oof_proba = calibrate(oof, a, b)

    final = _fit_svc(X, y, sw)
    # The markers never occur at scan time: their rows leave the model (no decision changes,
    # since they are zero in every unmarked row).
    word_all = [t for t, _ in sorted(vw.vocabulary_.items(), key=lambda kv: kv[1])]
    keep_word = np.array([not t.startswith(MARKER_PREFIX) for t in word_all], dtype=bool)
    keep = np.concatenate([keep_word, np.ones(len(vc.vocabulary_), dtype=bool)])
    Xt = Xt[:, keep]
    coef32 = np.ascontiguousarray(final.coef_.T[keep].astype(np.float32))  # (n_features, n_classes)
    intercept = final.intercept_.astype(np.float64)
    test_proba = calibrate(Xt @ coef32.astype(np.float64) + intercept, a, b)
    progress("最终模型训练完成")

    docs = _document_set(data, test)
    doc_sizes = [len(d.paragraphs) for d in docs]
    doc_max = np.zeros((0, len(LABELS)))
    if docs:
        paras = [Example(d.id, d.id, p, PUBLIC, d.source) for d in docs for p in d.paragraphs]
        w_doc, c_doc = _tokens(paras, tokenizer, spec)
        Xd = sparse.hstack([vw.transform(w_doc), vc.transform(c_doc)]).tocsr()[:, keep]
        par_proba = calibrate(Xd @ coef32.astype(np.float64) + intercept, a, b)
        doc_max = doc_max_proba(par_proba, doc_sizes)
        progress(
            f"留出公开文件 {len(docs)} 份、{len(paras)} 段已评分"
            f"（{time.perf_counter() - started:.1f}s）"
        )
    detected = [detect(d.head or d.paragraphs[:6]) for d in docs]
    genres = [g.id if g is not None else None for g in detected]
    max_ungated = None
    if docs:
        # paragraphs of genre documents the genre's floors do not reach (genre.relaxes)
        ungated = np.array(
            [g is not None and not relaxes(g, p) for d, g in zip(docs, genres, strict=True)
             for p in d.paragraphs],
            dtype=bool,
        )  # fmt: skip
        max_ungated = doc_max_proba(np.where(ungated[:, None], par_proba, -1.0), doc_sizes)
    docset = DocSet(
        [d.id for d in docs],
        doc_max,
        np.array([d.source for d in docs], dtype=object),
        [d.genre for d in docs],
        genres,
        expected_mask(genres),
        max_ungated,
    )

    real = np.array([e.source in REAL_PUBLIC_SOURCES for e in test])
    fa_basis = "held-out paragraphs of " + ", ".join(REAL_PUBLIC_SOURCES)
    if not real.any():
        real = np.array([e.label == PUBLIC for e in test])
        fa_basis = "held-out written public paragraphs (shared data absent)"

    def floors_of(th: dict[str, float]) -> Floors:
        return genre_floors(y, oof_proba, th)

    thresholds, floors, why = choose_thresholds(yt, test_proba, real, floors_of, docset)
    par_flags = flags(test_proba, thresholds)
    d_flags = doc_flags(docset, thresholds, floors)
    cross = cross_fitted_doc_flags(yt, test_proba, real, floors_of, docset) if docs else d_flags
    by_genre_th = genre_thresholds(thresholds, floors)
    doc_report = _document_report(
        docset, doc_sizes, d_flags, cross, effective(thresholds, floors, docset.genres)
    )
    by_source = {}
    for src in sorted({e.source for e in test if e.label == PUBLIC}):
        m = np.array([e.source == src and e.label == PUBLIC for e in test])
        by_source[src] = {"paragraphs": int(m.sum()), "false_alarm_rate": _r(par_flags[m].mean())}
    newer = {d.group for d in data.written_docs if d.file not in EARLIER_WRITTEN_FILES}
    earlier = np.array([e.group not in newer for e in test], dtype=bool)
    genre_recall = _genre_recall(yt, test_proba, [e.text for e in test], thresholds, floors)

    fold_macro = []
    for _, va in folds:
        fold_macro.append(argmax_metrics(y[va], oof_proba[va])["macro_f1"])

    word_terms = [t for t, k in zip(word_all, keep_word, strict=True) if k]
    char_terms = [t for t, _ in sorted(vc.vocabulary_.items(), key=lambda kv: kv[1])]
    meta = {
        "labels": list(LABELS),
        "labels_zh": LABELS_ZH,
        "thresholds": thresholds,
        # classify/genre.py: in a document of genre G, the classes G publishes by design need
        # these (higher) thresholds; every other class keeps its own.
        "genre_thresholds": by_genre_th,
        "tokenizer": spec.to_dict(),
        "min_chars": MIN_CHARS,
        "features": {
            "word": {"n": len(word_terms), "sublinear_tf": True, "norm": "l2"},
            "char": {"n": len(char_terms), "sublinear_tf": True, "norm": "l2"},
        },
        "classifier": "one-vs-rest LinearSVC + per-class sigmoid calibration",
    }
    card = {
        "model": meta["classifier"],
        "labels": list(LABELS),
        "data": {
            "shared_used": data.shared_used,
            "sources": data.sources,
            "train": {"labels": label_counts(train), "sources": source_counts(train)},
            "test": {"labels": label_counts(test), "sources": source_counts(test)},
            "dropped": data.dropped,
            "split": (
                "by document (salted SHA-1 of the document/record group), 20% held out; "
                "written files "
                + ", ".join(sorted(GENRE_STRATIFIED_FILES))
                + " stratified by genre"
            ),
        },
        "training": {
            "seed": SEED,
            "C": C,
            "class_weight": "balanced (public: written and shared halves)",
            "max_word_features": MAX_WORD_FEATURES,
            "max_char_features": MAX_CHAR_FEATURES,
            "min_df": MIN_DF,
            "char_ngrams": [spec.char_ngram_min, spec.char_ngram_max],
            "tokenizer": spec.to_dict(),
            "shared_caps": {
                s.name: {"train": s.train_cap, "test": s.test_cap} for s in SHARED_SOURCES
            },
            "public_weight": PUBLIC_WEIGHT,
            "genre_markers": dict(
                sorted(
                    Counter(
                        e.genre for e in train if e.genre and e.genre not in UNMARKED_GENRES
                    ).items()
                )
            ),
        },
        "environment": library_versions(),
        "held_out": {
            "argmax": argmax_metrics(yt, test_proba),
            "at_threshold": threshold_metrics(yt, test_proba, thresholds),
            "flagged_by_any_class": any_class_recall(yt, test_proba, thresholds),
            # the held-out positives of the written files that existed before issue 13 (same
            # salt, same split): the set the earlier model cards were measured on
            "at_threshold_earlier_files": threshold_metrics(
                yt[earlier], test_proba[earlier], thresholds
            ),
        },
        "cv_5fold_grouped": {
            "argmax": argmax_metrics(y, oof_proba),
            "fold_macro_f1": fold_macro,
            "at_threshold": threshold_metrics(y, oof_proba, thresholds),
        },
        "thresholds": thresholds,
        "threshold_choice": {
            "rule": (
                f"per class: best F{RECALL_BETA:g} (recall-weighted) on the held-out split, "
                f"subject to false alarms on real public paragraphs <= "
                f"{FALSE_ALARM_BUDGET / len(NON_PUBLIC):.2%} per class, so <= "
                f"{FALSE_ALARM_BUDGET:.0%} for all classes together, and — where a grid value "
                f"within that budget allows — held-out recall at least the class's floor (the "
                f"issue-12 model card's recall: "
                + ", ".join(f"{k} {v:.4f}" for k, v in RECALL_FLOOR.items())
                + f"); then, while more than "
                f"{DOC_FALSE_ALARM_BUDGET:.0%} of the held-out public documents of a source "
                f"(sources with >= {DOC_BUDGET_MIN_DOCS} documents) or more than "
                f"{DOC_POOLED_BUDGET:.1%} of all of them have a flagged paragraph (genre floors "
                f"applied), the threshold of the class losing the least F2 per document cleared "
                f"is raised, never below the paragraph step's recall or the floor"
            ),
            "recall_floor": dict(RECALL_FLOOR),
            "per_class": why,
        },
        "genres": {
            "rule": (
                f"in a document whose head names a genre (classify/genre.py), each class that "
                f"genre publishes by design needs max(threshold, floor); the floor is the highest "
                f"grid value keeping out-of-fold recall within {GENRE_RECALL_LOSS:.0%} "
                f"({', '.join(f'{k} {v:.0%}' for k, v in GENRE_RECALL_LOSS_BY_CLASS.items())}) of "
                f"its recall at the threshold; rules and every other class are unaffected"
            ),
            "recall_loss_bound": {label: genre_recall_loss(label) for label in NON_PUBLIC},
            "floors": {gid: {k: _r(v) for k, v in f.items()} for gid, f in floors.items()},
            "recall_loss_bound_by_genre": GENRE_RECALL_LOSS_BY_GENRE,
            "thresholds": by_genre_th,
            "expected": {gid: list(g.expected) for gid, g in sorted(GENRES_BY_ID.items())},
            "names": {gid: g.name for gid, g in sorted(GENRES_BY_ID.items())},
            "held_out_recall": genre_recall,
        },
        "document_false_alarms": doc_report,
        "false_alarms": {
            "basis": fa_basis,
            "paragraphs": int(real.sum()),
            "rate": _r(par_flags[real].mean()) if real.any() else 0.0,
            "budget": FALSE_ALARM_BUDGET,
            "by_public_source": by_source,
        },
    }
    files = {
        "model.json": json_bytes(meta),
        "vocab_word.json": json_bytes(word_terms),
        "vocab_char.json": json_bytes(char_terms),
        "idf_word.npy": npy_bytes(vw.idf_[keep_word].astype(np.float64)),
        "idf_char.npy": npy_bytes(vc.idf_.astype(np.float64)),
        "coef.npy": npy_bytes(coef32),
        "intercept.npy": npy_bytes(intercept),
        "calib_a.npy": npy_bytes(a),
        "calib_b.npy": npy_bytes(b),
        "userdict.txt": userdict,
    }
    from secreview.classify.card import card_markdown

    files["model_card.json"] = json_bytes(card)
    files["model_card.md"] = card_markdown(card).encode()
    model_hash = save_model(out_dir, files)
    progress(
        f"模型已写入 {out_dir}（sha256 {model_hash[:16]}…，用时 {time.perf_counter() - started:.1f}s）"
    )
    return card

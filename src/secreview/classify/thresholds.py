"""Thresholds of the classifier: per class, per genre (floors) and under document budgets.

Three steps, all on held-out data, all deterministic:

1. **Paragraph thresholds** per non-public class: the grid value with the best F3 on the
   held-out split whose false alarms on real public paragraphs stay within the paragraph budget
   and whose held-out recall reaches the class's recall floor (``RECALL_FLOOR``: the recall the
   issue-12 model card reported — a retrained model may not detect less), searched from
   ``PARAGRAPH_GRID_MIN`` up; below it only as far as the floor needs. When no grid value within
   the budget reaches the floor, the one with the highest recall (the card says so).
2. **Genre floors** per class: in a document whose genre publishes that class by design
   (classify/genre.py), a paragraph needs ``max(threshold, floor)``. The floor is the highest grid
   value at which the class keeps all but ``genre_recall_loss`` of its out-of-fold recall at the
   paragraph threshold — so dressing a leak up as a 公示 costs the reviewer at most that much
   recall, by construction, and the model card reports what each genre actually keeps.
3. **Document budgets**: while more held-out public documents of a source than its budget allows
   (or of all sources together) have a flagged paragraph — counted with the genre floors — raise
   the threshold of the class that gives up the least F2 per unit of excess cleared — but never
   below ``DOC_RECALL_LOSS`` under that class's paragraph-step recall (the budget may then stay
   unmet, and the model card says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from secreview.classify import LABELS, NON_PUBLIC
from secreview.classify.genre import BY_ID

THRESHOLD_GRID = tuple(round(x, 3) for x in [*np.arange(0.10, 0.99, 0.01), 0.99, 0.995, 0.999])
# Step 1 searches from here up; the values below it serve only to reach a recall floor.
PARAGRAPH_GRID_MIN = 0.20
RECALL_BETA = 3.0  # thresholds maximise F3 (recall weighs 9x precision: a missed leak costs more
# than a review) within the budgets
FALSE_ALARM_BUDGET = 0.01  # paragraph-level, all non-public classes together
# Held-out recall at the threshold that no retrained model may fall below (issue 13: "no lower
# than today's"): the per-class figures of the model card shipped before issue 13 (issue 12,
# "Detection at the thresholds"). Steps 1 and 3 keep each class at or above its floor.
RECALL_FLOOR = {
    "internal_affairs": 0.9677,
    "process_info": 0.9296,
    "enforcement_case": 0.8542,
    "personal_info": 0.9747,
    "state_secret": 0.9677,
}
# Document level: share of held-out public documents with any flagged paragraph, per source
# (sources with at least DOC_BUDGET_MIN_DOCS documents) and over all of them.
DOC_FALSE_ALARM_BUDGET = 0.01
DOC_POOLED_BUDGET = 0.005
DOC_BUDGET_MIN_DOCS = 50
# Out-of-fold recall a genre floor may give up, per class: state secrets (the gravest category,
# 保守国家秘密法) give up least.
GENRE_RECALL_LOSS = 0.05
GENRE_RECALL_LOSS_BY_CLASS = {"state_secret": 0.02}
# … except in a statute, published by definition (a law's title and its 第一条 structure),
# and in a 停水停电 notice, whose floors reach only the paragraphs about the supply (the plant
# and pipes such notices name), where a class may give up more.
GENRE_RECALL_LOSS_BY_GENRE = {"law": 0.12, "outage": 0.06}


def genre_recall_loss(label: str) -> float:
    return GENRE_RECALL_LOSS_BY_CLASS.get(label, GENRE_RECALL_LOSS)


# Step 3 never takes a class's held-out recall below its paragraph-step recall (minus this):
# recall on what must not be published comes first; a budget it cannot meet is reported.
DOC_RECALL_LOSS = 0.0


def _r(x: float) -> float:
    return round(float(x), 4)


def _f2(flag: np.ndarray, pos: np.ndarray) -> float:
    tp = int((flag & pos).sum())
    prec = tp / int(flag.sum()) if flag.any() else 0.0
    rec = tp / int(pos.sum()) if pos.any() else 0.0
    b2 = RECALL_BETA**2
    return (1 + b2) * prec * rec / (b2 * prec + rec) if prec + rec else 0.0


@dataclass
class DocSet:
    """Held-out public documents: per class the highest paragraph probability, their source and
    their detected genre (the classes that genre publishes by design, as a mask)."""

    ids: list[str]
    doc_max: np.ndarray  # (n_docs, n_classes): over all paragraphs
    sources: np.ndarray  # (n_docs,) str
    source_genres: list[str]  # the source's own genre tag (reports)
    genres: list[str | None]  # detected genre id
    expected: np.ndarray  # (n_docs, n_classes) bool
    # (n_docs, n_classes): over the paragraphs the genre's floors do not reach (genre.relaxes);
    # None: there are none (the floors reach every paragraph of a genre document).
    max_ungated: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, mask: np.ndarray) -> DocSet:
        idx = np.flatnonzero(mask)
        return DocSet(
            [self.ids[i] for i in idx],
            self.doc_max[idx],
            self.sources[idx],
            [self.source_genres[i] for i in idx],
            [self.genres[i] for i in idx],
            self.expected[idx],
            None if self.max_ungated is None else self.max_ungated[idx],
        )


def expected_mask(genres: list[str | None]) -> np.ndarray:
    out = np.zeros((len(genres), len(LABELS)), dtype=bool)
    for i, g in enumerate(genres):
        if g is not None and g in BY_ID:
            for label in BY_ID[g].expected:
                out[i, LABELS.index(label)] = True
    return out


Floors = dict[str, dict[str, float]]  # genre id -> expected class -> floor


def effective(thresholds: dict[str, float], floors: Floors, genres: list[str | None]) -> np.ndarray:
    """(n, n_classes) threshold each row's paragraphs need per class (inf for public): in a
    document of genre G, max(threshold, G's floor) for G's expected classes."""
    base = np.full(len(LABELS), np.inf)
    for label in NON_PUBLIC:
        base[LABELS.index(label)] = thresholds[label]
    out = np.tile(base, (len(genres), 1))
    for i, g in enumerate(genres):
        for label, floor in floors.get(g, {}).items() if g is not None else ():
            k = LABELS.index(label)
            out[i, k] = max(out[i, k], floor)
    return out


def doc_flags(docs: DocSet, thresholds: dict[str, float], floors: Floors) -> np.ndarray:
    """A document is flagged when a paragraph reaches its genre's threshold, or a paragraph the
    genre's floors do not reach reaches the plain threshold."""
    if not len(docs):
        return np.zeros(0, dtype=bool)
    out: np.ndarray = np.asarray(
        (docs.doc_max >= effective(thresholds, floors, docs.genres)).any(axis=1)
    )
    if docs.max_ungated is not None:
        plain = effective(thresholds, {}, [None] * len(docs))
        out |= (docs.max_ungated >= plain).any(axis=1)
    return out


def flags(proba: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Paragraphs (rows of probabilities) flagged by any class at the plain thresholds."""
    out = np.zeros(len(proba), dtype=bool)
    for label in NON_PUBLIC:
        out |= proba[:, LABELS.index(label)] >= thresholds[label]
    return out


def paragraph_thresholds(
    y: np.ndarray,
    proba: np.ndarray,
    real_public: np.ndarray,
    recall_floor: dict[str, float] | None = None,
) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Step 1: grid index per class, and each class's F-beta at every grid value.

    Within the paragraph budget and from ``PARAGRAPH_GRID_MIN`` up: the best F-beta among the
    grid values whose held-out recall reaches ``recall_floor`` (default ``RECALL_FLOOR``). If
    none does, the highest grid value below ``PARAGRAPH_GRID_MIN`` that reaches it (the least
    lowering the floor needs); if none does either, the highest recall (best F-beta among
    equals) — the card says the floor is not met."""
    floor_of = RECALL_FLOOR if recall_floor is None else recall_floor
    per_class_budget = FALSE_ALARM_BUDGET / len(NON_PUBLIC)
    n_real = int(real_public.sum())
    at: dict[str, int] = {}
    f2: dict[str, list[float]] = {}
    for label in NON_PUBLIC:
        c = LABELS.index(label)
        score, pos = proba[:, c], y == c
        f2[label] = [_f2(score >= t, pos) for t in THRESHOLD_GRID]
        rec = [float((score[pos] >= t).mean()) if pos.any() else 0.0 for t in THRESHOLD_GRID]
        floor = floor_of.get(label, 0.0)
        within = [
            i
            for i, t in enumerate(THRESHOLD_GRID)
            if not n_real or float((score >= t)[real_public].mean()) <= per_class_budget
        ]
        reach = [i for i in within if rec[i] >= floor - 1e-12]
        usual = [i for i in reach if THRESHOLD_GRID[i] >= PARAGRAPH_GRID_MIN - 1e-9]
        if usual:  # best F-beta; ties keep the lower value (more recall)
            at[label] = max(usual, key=lambda i: (round(f2[label][i], 12), -i))
        elif reach:
            at[label] = max(reach)
        elif within:
            at[label] = max(within, key=lambda i: (rec[i], round(f2[label][i], 12), -i))
        else:
            at[label] = len(THRESHOLD_GRID) - 1
    return at, f2


def class_floors(
    y_oof: np.ndarray, proba_oof: np.ndarray, thresholds: dict[str, float], loss: float | None
) -> dict[str, float]:
    """Per class the highest grid value keeping recall_oof(threshold) - loss (None: the class's
    own bound, genre_recall_loss)."""
    out: dict[str, float] = {}
    for label in NON_PUBLIC:
        c = LABELS.index(label)
        score = proba_oof[y_oof == c, c]
        if not len(score):
            out[label] = thresholds[label]
            continue
        bound = genre_recall_loss(label) if loss is None else max(loss, genre_recall_loss(label))
        need = float((score >= thresholds[label]).mean()) - bound
        floor = thresholds[label]
        for t in THRESHOLD_GRID:
            if t >= thresholds[label] and float((score >= t).mean()) >= need - 1e-12:
                floor = t
        out[label] = float(floor)
    return out


def genre_floors(y_oof: np.ndarray, proba_oof: np.ndarray, thresholds: dict[str, float]) -> Floors:
    """Step 2: per genre, the floor of each class it publishes by design."""
    cache: dict[float | None, dict[str, float]] = {}
    out: Floors = {}
    for gid, genre in sorted(BY_ID.items()):
        loss = GENRE_RECALL_LOSS_BY_GENRE.get(gid)
        if loss not in cache:
            cache[loss] = class_floors(y_oof, proba_oof, thresholds, loss)
        out[gid] = {label: cache[loss][label] for label in genre.expected}
    return out


def _limits(docs: DocSet) -> tuple[dict[str, int], int]:
    per_source: dict[str, int] = {}
    for src in sorted(set(docs.sources.tolist())):
        n = int((docs.sources == src).sum())
        if n >= DOC_BUDGET_MIN_DOCS:
            per_source[src] = int(np.floor(DOC_FALSE_ALARM_BUDGET * n + 1e-9))
    return per_source, int(np.floor(DOC_POOLED_BUDGET * len(docs) + 1e-9))


def _excess(docs: DocSet, flagged: np.ndarray, per_source: dict[str, int], pooled: int) -> int:
    over = max(0, int(flagged.sum()) - pooled)
    for src, limit in per_source.items():
        over += max(0, int(flagged[docs.sources == src].sum()) - limit)
    return over


def choose_thresholds(
    y: np.ndarray,
    proba: np.ndarray,
    real_public: np.ndarray,
    floors_of: Callable[[dict[str, float]], Floors] | None = None,
    docs: DocSet | None = None,
    recall_floor: dict[str, float] | None = None,
) -> tuple[dict[str, float], Floors, dict[str, dict[str, float | bool]]]:
    """(thresholds, genre floors, why) — steps 1 to 3 of the module docstring.

    ``floors_of``: a callable(thresholds) -> floors (step 2), or None for no genre floors.
    """
    grid = THRESHOLD_GRID
    floor_of = RECALL_FLOOR if recall_floor is None else recall_floor
    at, f2 = paragraph_thresholds(y, proba, real_public, floor_of)
    paragraph_choice = dict(at)
    recall: dict[str, list[float]] = {}
    for label in NON_PUBLIC:
        c = LABELS.index(label)
        pos = proba[y == c, c]
        recall[label] = [float((pos >= t).mean()) if len(pos) else 0.0 for t in grid]
    # step 3 keeps the paragraph step's recall (minus DOC_RECALL_LOSS), never below the floor
    min_recall = {
        label: max(
            recall[label][at[label]] - DOC_RECALL_LOSS,
            min(floor_of.get(label, 0.0), recall[label][at[label]]),
        )
        for label in NON_PUBLIC
    }

    def th(cur: dict[str, int]) -> dict[str, float]:
        return {label: float(grid[cur[label]]) for label in NON_PUBLIC}

    floors: Floors = floors_of(th(at)) if floors_of is not None else {}
    if docs is not None and len(docs):
        per_source, pooled = _limits(docs)
        excess = _excess(docs, doc_flags(docs, th(at), floors), per_source, pooled)
        while excess > 0:
            move: tuple[float, str, int, int] | None = None
            for label in NON_PUBLIC:
                for j in range(at[label] + 1, len(grid)):
                    if recall[label][j] < min_recall[label] - 1e-12:
                        break
                    after = _excess(
                        docs, doc_flags(docs, th({**at, label: j}), floors), per_source, pooled
                    )
                    if after < excess:
                        cost = (f2[label][at[label]] - f2[label][j]) / (excess - after)
                        if move is None or cost < move[0] - 1e-12:
                            move = (cost, label, j, after)
                        break
            if move is None:
                break
            at[move[1]] = move[2]
            excess = move[3]
    chosen = th(at)
    n_real = int(real_public.sum())
    why: dict[str, dict[str, float | bool]] = {}
    for label in NON_PUBLIC:
        c = LABELS.index(label)
        flag = proba[:, c] >= chosen[label]
        doc_rate = 0.0
        if docs is not None and len(docs):
            eff = effective(chosen, floors, docs.genres)[:, c]
            doc_rate = float((docs.doc_max[:, c] >= eff).mean())
        why[label] = {
            "f_beta": _r(f2[label][at[label]]),
            "false_alarm_real_public": _r(float(flag[real_public].mean()) if n_real else 0.0),
            "document_false_alarm": _r(doc_rate),
            "raised_for_documents": at[label] != paragraph_choice[label],
            "recall": _r(recall[label][at[label]]),
            "recall_floor": _r(floor_of.get(label, 0.0)),
            "recall_floor_met": recall[label][at[label]] >= floor_of.get(label, 0.0) - 1e-12,
            "paragraph_step_threshold": float(grid[paragraph_choice[label]]),
        }
    return chosen, floors, why


def genre_thresholds(thresholds: dict[str, float], floors: Floors) -> dict[str, dict[str, float]]:
    """What model.json stores: per genre id, the raised threshold of each expected class."""
    out: dict[str, dict[str, float]] = {}
    for gid in sorted(floors):
        raised = {
            label: float(max(thresholds[label], floor)) for label, floor in floors[gid].items()
        }
        raised = {k: v for k, v in raised.items() if v > thresholds[k]}
        if raised:
            out[gid] = raised
    return out

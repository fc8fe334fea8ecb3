"""classify/thresholds.py on synthetic scores: genre floors keep their recall bound, documents
of a genre need the floor only for the classes that genre publishes, and the document budget
never buys false-alarm relief with held-out recall."""

from __future__ import annotations

import numpy as np

from secreview.classify import LABELS, NON_PUBLIC
from secreview.classify import thresholds as th
from secreview.classify.genre import BY_ID

K = len(LABELS)


def _proba(rows: list[dict[str, float]]) -> np.ndarray:
    out = np.zeros((len(rows), K))
    for i, row in enumerate(rows):
        for label, p in row.items():
            out[i, LABELS.index(label)] = p
        out[i, 0] = max(0.0, 1.0 - sum(row.values()))
    return out


def test_genre_floor_keeps_the_recall_bound() -> None:
    rng = np.random.default_rng(1)
    label = "enforcement_case"
    c = LABELS.index(label)
    scores = rng.uniform(0.2, 1.0, size=400)
    proba = np.zeros((400, K))
    proba[:, c] = scores
    y = np.full(400, c)
    plain = {lab: 0.3 for lab in NON_PUBLIC}
    floors = th.class_floors(y, proba, plain, None)
    assert th.genre_floors(y, proba, plain)["penalty"][label] == floors[label]
    kept = float((scores >= floors[label]).mean())
    at_plain = float((scores >= plain[label]).mean())
    assert floors[label] > plain[label]
    assert at_plain - kept <= th.genre_recall_loss(label) + 1e-9
    # one grid step higher would lose more than the bound
    grid = th.THRESHOLD_GRID
    nxt = grid[grid.index(floors[label]) + 1]
    assert at_plain - float((scores >= nxt).mean()) > th.genre_recall_loss(label)


def test_floor_applies_only_to_the_classes_a_genre_publishes() -> None:
    thresholds = {lab: 0.3 for lab in NON_PUBLIC}
    floors = {gid: {lab: 0.7 for lab in g.expected} for gid, g in BY_ID.items()}
    eff = th.effective(thresholds, floors, ["penalty"])[0]
    for label in NON_PUBLIC:
        k = LABELS.index(label)
        want = 0.7 if label in BY_ID["penalty"].expected else 0.3
        assert eff[k] == want, label
    none = th.effective(thresholds, floors, [None])[0]
    assert all(none[LABELS.index(lab)] == 0.3 for lab in NON_PUBLIC)
    stored = th.genre_thresholds(thresholds, floors)
    assert stored["penalty"] == {lab: 0.7 for lab in BY_ID["penalty"].expected}


def test_document_flags_use_each_documents_genre() -> None:
    dmax = _proba([{"personal_info": 0.5}, {"personal_info": 0.5}, {"process_info": 0.5}])
    genres = ["list_notice", None, "list_notice"]
    docs = th.DocSet(
        ["a", "b", "c"],
        dmax,
        np.array(["s", "s", "s"], dtype=object),
        ["g", "g", "g"],
        genres,
        th.expected_mask(genres),
    )
    thresholds = {lab: 0.4 for lab in NON_PUBLIC}
    floors = {gid: {lab: 0.6 for lab in g.expected} for gid, g in BY_ID.items()}
    # a 公示 publishes names (personal_info), not process information
    assert th.doc_flags(docs, thresholds, floors).tolist() == [False, True, True]
    # a paragraph the genre's floors do not reach keeps the plain threshold
    ungated = _proba([{"personal_info": 0.5}, {}, {}])
    gated_docs = th.DocSet(
        docs.ids, docs.doc_max, docs.sources, docs.source_genres, genres, docs.expected, ungated
    )
    assert th.doc_flags(gated_docs, thresholds, floors).tolist() == [True, True, True]


def test_document_budget_never_costs_held_out_recall() -> None:
    # Held-out positives of one class score 0.5..0.9; public documents are flagged at 0.45.
    label = "state_secret"
    c = LABELS.index(label)
    pos = [{label: s} for s in (0.5, 0.6, 0.7, 0.8, 0.9)]
    y = np.array([c] * 5 + [0] * 200)
    proba = _proba(pos + [{}] * 200)
    real = np.array([False] * 5 + [True] * 200)
    dmax = _proba([{label: 0.45}] * 3 + [{}] * 97)
    docs = th.DocSet(
        [f"d{i}" for i in range(100)],
        dmax,
        np.array(["src"] * 100, dtype=object),
        ["g"] * 100,
        [None] * 100,
        th.expected_mask([None] * 100),
    )
    chosen, _floors, why = th.choose_thresholds(y, proba, real, None, docs)
    assert why[label]["recall"] == 1.0  # budget met by moving within the gap 0.45 .. 0.5
    assert 0.45 < chosen[label] <= 0.5
    assert not th.doc_flags(docs, chosen, {}).any()
    # A public document scoring above every positive cannot be cleared without losing recall:
    dmax2 = _proba([{label: 0.95}] * 3 + [{}] * 97)
    docs2 = th.DocSet(docs.ids, dmax2, docs.sources, docs.source_genres, docs.genres, docs.expected)
    chosen2, _f, why2 = th.choose_thresholds(y, proba, real, None, docs2)
    assert why2[label]["recall"] == 1.0 and chosen2[label] <= 0.5
    assert th.doc_flags(docs2, chosen2, {}).sum() == 3  # reported, not hidden

"""corpus.py for issue 13: the new public sources are read as published (the office's reply, not
the citizen's message), split by the right unit, the written genre documents are held out per
genre, and the vectorised near-duplicate search finds what the plain one finds."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from secreview.classify import corpus
from secreview.classify.corpus import (
    Example,
    document_text,
    near_duplicates,
    shared_group,
    shared_source,
    written_documents,
)
from tests.conftest import REPO


def test_tipdm_replies_use_the_reply_only() -> None:
    src = shared_source("tipdm-replies")
    rec = {
        "id": "t1",
        "title": "小区噪音扰民",
        "text": "网友您好！经核实……",
        "question": "楼下KTV很吵",
    }
    text = document_text(src, rec)
    assert text == "网友您好！经核实……"
    assert "KTV" not in text and "小区噪音扰民" not in text


def test_titles_lead_documents_where_the_source_keeps_them_apart() -> None:
    src = shared_source("bjtcm-notices")
    rec = {"id": "b1", "title": "关于某事的通知", "text": "各有关单位：……"}
    assert document_text(src, rec).splitlines()[0] == "关于某事的通知"
    law = shared_source("lawrefbook")
    rec = {"id": "l1", "title": "某条例", "text": "# 某条例\n第一条 ……"}
    assert document_text(law, rec) == rec["text"]  # its text already starts with the title


def test_news_is_split_by_broadcast_day() -> None:
    src = shared_source("xinwenlianbo")
    a = {"id": "x1", "date": "2024-01-02", "genre": "会议新闻"}
    b = {"id": "x2", "date": "2024-01-02", "genre": "新闻快讯"}
    c = {"id": "x3", "date": "2024-01-03", "genre": "新闻快讯"}
    assert shared_group(src, a) == shared_group(src, b) != shared_group(src, c)


def test_new_text_is_mostly_news_sampled_over_genre_and_month() -> None:
    caps = {s.name: s.train_cap for s in corpus.SHARED_SOURCES}
    assert caps["xinwenlianbo"] is not None and shared_source("xinwenlianbo").stratified
    pool = [Example(f"e{i}", "g", "t", "public", "x") for i in range(30)]
    strata = {e.id: ("A" if i < 20 else "B") for i, e in enumerate(pool)}
    picked = corpus._sample(pool, 10, strata)
    assert Counter(strata[e.id] for e in picked) == Counter({"A": 5, "B": 5})


def test_written_genre_documents_are_held_out_per_genre() -> None:
    docs = written_documents(REPO / "corpus")
    by: dict[tuple[str, str], list] = defaultdict(list)
    for d in docs:
        if d.file in corpus.GENRE_STRATIFIED_FILES:
            by[(d.file, d.genre)].append(d)
    assert by
    for key, group in by.items():
        held = sum(d.held_out for d in group)
        if len(group) >= 3:
            assert held >= 1, key
        assert held <= max(1, round(0.2 * len(group))), key
    # a document is never split across the two sides
    assert len({d.group for d in docs}) == len(docs)


def _plain_near_duplicates(train: list[Example], test: list[Example], jaccard: float) -> set[int]:
    sh_train = [corpus._shingles(e.text) for e in train]
    out = set()
    for j, e in enumerate(test):
        sh = corpus._shingles(e.text)
        if any(len(sh & o) / len(sh | o) >= jaccard for o in sh_train):
            out.add(j)
    return out


def test_vectorised_near_duplicates_find_what_the_plain_search_finds() -> None:
    rng = np.random.default_rng(3)
    base = [
        "县政府召开常务会议研究部署防汛工作要求各地压实责任",
        "第十二条 行政机关应当依法公开政府信息，不得损害公共利益",
        "网友您好，您反映的小区路灯不亮问题已转交街道办理",
    ]
    train = [Example(f"t{i}", f"t{i}", s, "public", "x") for i, s in enumerate(base)]
    test = []
    for i, s in enumerate(base * 3):
        chars = list(s)
        k = int(rng.integers(0, len(chars)))
        chars[k] = "某"  # one character changed: a near duplicate
        test.append(Example(f"q{i}", f"q{i}", "".join(chars), "public", "x"))
    test.append(Example("far", "far", "完全不同的一段文字内容用于测试", "public", "x"))
    assert near_duplicates(train, test) == _plain_near_duplicates(train, test, 0.8)
    assert len(test) - 1 not in near_duplicates(train, test)

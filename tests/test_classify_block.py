"""``_block`` (TF-IDF of one feature block) equals the plain Counter/list version bit for bit."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from secreview.classify.predict import _block

VOCAB = ["甲", "乙", "丙", "甲乙", "乙丙", "丁戊", "x", "0"]
INDEX = {t: i for i, t in enumerate(VOCAB)}
IDF = np.array([1.5, 2.25, 0.75, 3.0, 1.125, 2.5, 0.5, 1.0])


def reference_block(tokens, index, idf, offset):
    get = index.get
    pairs = [(i, c) for t, c in Counter(tokens).items() if (i := get(t)) is not None]
    if not pairs:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    arr = np.array(pairs, dtype=np.int64)
    local = arr[:, 0]
    tf = 1.0 + np.log(arr[:, 1].astype(np.float64))
    val = tf * idf[local]
    norm = float(np.sqrt(np.dot(val, val)))
    if norm > 0:
        val = val / norm
    return local + offset, val


@settings(max_examples=300)
@given(st.lists(st.sampled_from([*VOCAB, "未知", "y", "丁"]), max_size=60), st.integers(0, 9))
def test_block_matches_reference(tokens: list[str], offset: int) -> None:
    got = _block(tokens, INDEX, IDF, offset)
    want_idx, want_val = reference_block(tokens, INDEX, IDF, offset)
    assert got.idx.dtype == np.int64 and got.val.dtype == np.float64
    assert got.idx.tolist() == want_idx.tolist()
    assert got.val.tobytes() == want_val.tobytes()  # bit for bit, same order

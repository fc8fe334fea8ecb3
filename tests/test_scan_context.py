"""ScanContext keeps normalized texts in blocks; what it gives back is ``normalize``'s own."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import secreview.checks as checks_module
from secreview.checks import SEGMENT_SEPARATOR, ScanContext
from secreview.model import Document, Location, Segment
from secreview.normalize import normalize

TEXT = st.text(st.sampled_from(list("ab 1２\u200b機密 ，：\t😀\x00")), max_size=30)


def _doc(texts: list[str]) -> Document:
    return Document(
        path="x.txt",
        format="txt",
        segments=[Segment(t, Location(part="body", paragraph=n)) for n, t in enumerate(texts)],
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=12), st.integers(1, 5), st.randoms())
def test_blocks_give_back_normalize(texts: list[str], block: int, rnd) -> None:  # noqa: ANN001
    with patch.object(checks_module, "BLOCK", block):
        ctx = ScanContext(_doc(texts))
        order = list(range(len(texts)))
        rnd.shuffle(order)  # any access order: blocks are built on first use
        for i in order:
            want = normalize(texts[i])
            assert ctx.normalized_text(i) == want.text
            got = ctx.normalized(i)
            assert (got.text, list(got.offsets), got.original) == (
                want.text,
                list(want.offsets),
                texts[i],
            )
        joined = [(first, text, list(starts)) for first, text, starts in ctx.blocks()]
        assert sum(len(starts) - 1 for _, _, starts in joined) == len(texts)
        for first, text, starts in joined:
            for k in range(len(starts) - 1):
                assert text[starts[k] : starts[k + 1] - 1] == normalize(texts[first + k]).text
                assert (
                    starts[k + 1] - 1 == len(text) or text[starts[k + 1] - 1] == SEGMENT_SEPARATOR
                )


def test_index_out_of_range() -> None:
    ctx = ScanContext(_doc(["甲", "乙"]))
    assert ctx.normalized_text(-1) == "乙" and ctx.normalized(-1).original == "乙"
    with pytest.raises(IndexError):
        ctx.normalized_text(2)
    with pytest.raises(IndexError):
        ctx.normalized(2)

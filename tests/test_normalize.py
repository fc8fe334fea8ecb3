from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from secreview.normalize import normalize


def test_full_width_digits_become_ascii() -> None:
    assert normalize("１１０１０５").text == "110105"


def test_spaced_out_cjk_is_folded() -> None:
    n = normalize("秘 密 ★ 1 年")
    assert n.text == "秘密★1年"
    assert n.original_text(0, len(n.text)) == "秘 密 ★ 1 年"


def test_line_break_inside_cjk_is_folded() -> None:
    assert normalize("内部\n资料").text == "内部资料"


def test_space_between_numbers_is_kept() -> None:
    assert normalize("110105 19491231").text == "110105 19491231"


def test_zero_width_removed_and_offsets_skip_it() -> None:
    n = normalize("机\u200b密★")
    assert n.text == "机密★"
    assert n.span(0, 3) == (0, 4)


def test_full_width_star_becomes_ascii_star() -> None:
    assert normalize("秘密＊1年").text == "秘密*1年"


TEXT = st.text(
    alphabet=st.sampled_from(list("秘密★☆＊１２3 \n\t\u3000\u200b\ufeffabc，。㈠ﬁ①Ⅻ")), max_size=40
)


@given(TEXT, st.data())
def test_offsets_always_map_inside_the_original(text: str, data: st.DataObject) -> None:
    n = normalize(text)
    assert len(n.offsets) == len(n.text) + 1
    start = data.draw(st.integers(0, len(n.text)))
    end = data.draw(st.integers(start, len(n.text)))
    s, e = n.span(start, end)
    assert 0 <= s <= e <= len(text)
    if end > start:
        # the original span, normalized again, contains what was matched (minus folded space)
        again = normalize(text[s:e]).text
        assert n.text[start:end].replace(" ", "") in again.replace(" ", "") or not again


@given(TEXT)
def test_offsets_are_monotonic(text: str) -> None:
    n = normalize(text)
    assert list(n.offsets) == sorted(n.offsets)

"""jieba_fast_dat (when installed) cuts exactly the words plain jieba cuts on our dictionary."""

from __future__ import annotations

import json

import pytest

from secreview.classify.tokenize import (
    USERDICT_PATH,
    _parse_userdict,
    current_spec,
    engine_name,
    get_tokenizer,
    prepare,
)
from secreview.normalize import normalize
from tests.conftest import REPO


def _texts() -> list[str]:
    out = []
    for path in sorted((REPO / "corpus" / "written").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["text"])
    terms = [w for w, _, _ in _parse_userdict(USERDICT_PATH.read_bytes())]
    out += [f"关于{w}的情况：{w}已报送（2024年）。" for w in terms]
    out += ["", " ", "abc def 123 0.5%", "😀中文😀", "（一）是本案当事人或者当事人近亲属的；"]
    return [prepare(normalize(t).text) for t in out]


def test_fast_engine_gives_the_same_tokens_as_jieba(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("jieba_fast_dat")
    userdict = USERDICT_PATH.read_bytes()
    spec = current_spec(userdict)
    monkeypatch.delenv("SECREVIEW_JIEBA", raising=False)
    assert engine_name() == "jieba_fast_dat"
    fast = get_tokenizer(spec, userdict)
    monkeypatch.setenv("SECREVIEW_JIEBA", "python")
    assert engine_name() == "jieba"
    slow = get_tokenizer(spec, userdict)
    assert type(fast) is not type(slow)
    texts = _texts()
    assert len(texts) > 2000
    for text in texts:
        assert list(fast.cut(text, HMM=False)) == list(slow.cut(text, HMM=False)), text

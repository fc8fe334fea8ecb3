"""A test per public genre (issue 13): every written document of corpus/written/public_genres.jsonl
passes through the whole pipeline (rules + classifier, with the document's genre), and each
genre has held-out documents — never trained on — that pass too."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pytest

from secreview.classify.corpus import written_documents
from secreview.config import Config
from secreview.pipeline import default_checks, scan_bytes
from tests.conftest import REPO

DOCS = [d for d in written_documents(REPO / "corpus") if d.file == "public_genres.jsonl"]
BY_GENRE: dict[str, list] = defaultdict(list)
for _d in DOCS:
    BY_GENRE[_d.genre].append(_d)


@pytest.fixture(scope="module")
def checks() -> tuple[Config, list]:
    config = replace(Config(), model_dir=REPO / "models" / "default")
    return config, default_checks(config)


def test_every_genre_the_issue_names_is_written() -> None:
    named = {
        "任前公示", "拟录用公示", "补贴公示", "统计公报", "公告", "中标结果公告", "行政处罚决定书",
        "办事指南", "常见问题解答", "预决算说明", "年度报告", "人事任免", "停水停电通知", "预警信息",
        "政策解读", "征求意见稿说明",
    }  # fmt: skip
    assert named <= set(BY_GENRE)
    for genre in named:
        assert len(BY_GENRE[genre]) >= 4, genre


@pytest.mark.parametrize("genre", sorted(BY_GENRE))
def test_public_genre_documents_pass(genre: str, checks: tuple[Config, list]) -> None:
    config, cks = checks
    docs = BY_GENRE[genre]
    assert any(d.held_out for d in docs) or len(docs) < 3, "no held-out document"
    failed = []
    for d in docs:
        report = scan_bytes(d.text().encode("utf-8"), f"{d.group}.txt", config, cks)
        if report.verdict != "pass":
            shown = [f"{f.rule}: {f.text[:40]}" for f in report.findings if f.severity != "info"]
            failed.append((d.group, "held-out" if d.held_out else "train", shown))
    assert not failed, failed

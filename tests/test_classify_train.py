"""Training on a tiny corpus: round-trip through the pickle-free store, determinism, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from secreview.classify import LABELS
from secreview.classify.corpus import Example, build_dataset, is_test, near_duplicates
from secreview.classify.predict import load_model
from secreview.classify.store import MANIFEST
from secreview.classify.tokenize import (
    USERDICT_PATH,
    current_spec,
    get_tokenizer,
    prepare,
    word_tokens,
)
from secreview.classify.train import argmax_metrics, train_model
from secreview.cli import main
from secreview.errors import UsageError
from tests.helpers.tiny_corpus import write_tiny_corpus


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("tiny")
    corpus = write_tiny_corpus(root / "corpus")
    out = root / "model"
    card = train_model(corpus, None, out)
    return corpus, out, card


def test_numpy_predictor_reproduces_the_training_metrics(tiny: tuple[Path, Path, dict]) -> None:
    corpus, out, card = tiny
    model = load_model(out)
    data = build_dataset(corpus, None)
    y = np.array([LABELS.index(e.label) for e in data.test])
    proba = np.array([model.proba(e.text) for e in data.test])
    assert proba.shape == (len(data.test), len(LABELS))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert argmax_metrics(y, proba) == card["held_out"]["argmax"]
    assert card["held_out"]["argmax"]["accuracy"] >= 0.8


def test_split_is_by_document_and_test_has_no_training_duplicates(
    tiny: tuple[Path, Path, dict],
) -> None:
    corpus, _, _ = tiny
    data = build_dataset(corpus, None)
    train_docs = {e.group for e in data.train}
    assert train_docs.isdisjoint({e.group for e in data.test})
    assert all(not is_test(e.group) for e in data.train)
    assert {e.text for e in data.train}.isdisjoint({e.text for e in data.test})


def test_near_duplicates_across_the_split_are_found() -> None:
    base = "经局党组会议研究，拟提拔甲某同志任办公室副主任，考察组已完成民主测评和个别谈话。"
    train = [Example("a", "d1", base, "internal_affairs", "written")]
    test = [
        Example("b", "d2", base.replace("甲某", "乙某"), "internal_affairs", "written"),
        Example(
            "c",
            "d3",
            "本局办事指南已在门户网站公布，群众可在线提交申请材料并查询进度。",
            "public",
            "written",
        ),
    ]
    assert near_duplicates(train, test) == {0}


def test_training_is_byte_deterministic_and_cli_says_shared_data_is_absent(
    tiny: tuple[Path, Path, dict], tmp_path: Path, runner: object
) -> None:
    corpus, out, _ = tiny
    again = tmp_path / "again"
    result = runner.invoke(  # type: ignore[attr-defined]
        main,
        [
            "train",
            "--corpus",
            str(corpus),
            "--shared",
            str(tmp_path / "no-shared"),
            "--out",
            str(again),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "未找到共享公开数据" in result.stderr and "shared data absent" in result.stderr
    assert "宏平均 F1" in result.stdout
    for name in json.loads((out / MANIFEST).read_text("utf-8"))["files"]:
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    assert (again / MANIFEST).read_bytes() == (out / MANIFEST).read_bytes()


def test_model_card_records_data_hashes_metrics_and_thresholds(
    tiny: tuple[Path, Path, dict],
) -> None:
    _, out, card = tiny
    assert card["data"]["shared_used"] is False
    (info,) = card["data"]["sources"].values()
    assert len(info["sha256"]) == 64 and info["records"] > 0
    assert set(card["thresholds"]) == set(LABELS) - {"public"}
    assert set(card["cv_5fold_grouped"]["argmax"]["per_class"]) == set(LABELS)
    cm = card["held_out"]["argmax"]["confusion_matrix"]["rows_true_cols_pred"]
    assert sum(map(sum, cm)) == sum(card["data"]["test"]["labels"].values())
    md = (out / "model_card.md").read_text("utf-8")
    assert "Confusion matrix" in md and "Thresholds and why" in md


def test_model_info_prints_the_card_with_the_model_hash(
    tiny: tuple[Path, Path, dict], runner: object
) -> None:
    _, out, card = tiny
    result = runner.invoke(  # type: ignore[attr-defined]
        main, ["--model", str(out), "model", "info", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert got["card"]["thresholds"] == card["thresholds"]
    assert got["model_hash"] == load_model(out).hash


def test_training_refuses_a_corpus_missing_a_class(tmp_path: Path) -> None:
    corpus = write_tiny_corpus(tmp_path / "corpus")
    path = corpus / "written" / "tiny.jsonl"
    rows = [line for line in path.read_text("utf-8").splitlines() if '"state_secret"' not in line]
    path.write_text("\n".join(rows) + "\n", "utf-8")
    with pytest.raises(UsageError, match="state_secret"):
        train_model(corpus, None, tmp_path / "model")


def test_user_dictionary_terms_stay_whole() -> None:
    userdict = USERDICT_PATH.read_bytes()
    tk = get_tokenizer(current_spec(userdict), userdict)
    words = word_tokens(
        tk, prepare("经党组会议研究拟提拔两名同志，民主测评和任前公示已完成，询问笔录附后。")
    )
    for term in ("拟提拔", "民主测评", "任前公示", "询问笔录", "党组会议"):
        assert term in words

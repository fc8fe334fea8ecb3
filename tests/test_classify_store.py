"""Model files load without unpickling; a tampered file is refused with a clear error."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from secreview.classify.predict import load_model
from secreview.classify.store import MANIFEST
from secreview.classify.train import train_model
from secreview.cli import main
from secreview.errors import UsageError
from tests.helpers.tiny_corpus import write_tiny_corpus


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    corpus = write_tiny_corpus(root / "corpus")
    out = root / "model"
    train_model(corpus, None, out)
    return out


def _copy(model: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(model, dst)
    return dst


def test_valid_model_loads_without_any_unpickling(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used while loading a model")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    seen: list[object] = []
    real_load = np.load

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(np, "load", spy)
    model = load_model(tiny_model)
    assert seen and all(flag is False for flag in seen)
    assert model.hash == hashlib.sha256((tiny_model / MANIFEST).read_bytes()).hexdigest()


def test_tampered_coefficients_are_refused(tiny_model: Path, tmp_path: Path) -> None:
    model = _copy(tiny_model, tmp_path)
    data = bytearray((model / "coef.npy").read_bytes())
    data[-3] ^= 0xFF
    (model / "coef.npy").write_bytes(bytes(data))
    with pytest.raises(UsageError, match=r"coef\.npy 的 sha256 与清单不符"):
        load_model(model)


def test_tampered_vocabulary_is_refused(tiny_model: Path, tmp_path: Path) -> None:
    model = _copy(tiny_model, tmp_path)
    vocab = json.loads((model / "vocab_word.json").read_text("utf-8"))
    vocab[0] = "拟提拔"
    (model / "vocab_word.json").write_text(json.dumps(vocab, ensure_ascii=False), "utf-8")
    with pytest.raises(UsageError, match="vocab_word.json"):
        load_model(model)


class _Payload:
    ran = False

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_Payload._run, ())

    @staticmethod
    def _run() -> None:
        _Payload.ran = True


def test_pickled_array_with_forged_manifest_is_never_unpickled(
    tiny_model: Path, tmp_path: Path
) -> None:
    """An attacker who also rewrites the manifest still cannot make us unpickle."""
    model = _copy(tiny_model, tmp_path)
    buf = io.BytesIO()
    np.save(buf, np.array([_Payload()], dtype=object), allow_pickle=True)
    (model / "calib_a.npy").write_bytes(buf.getvalue())
    manifest = json.loads((model / MANIFEST).read_text("utf-8"))
    manifest["files"]["calib_a.npy"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (model / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(UsageError, match="calib_a.npy"):
        load_model(model)
    assert _Payload.ran is False


def test_missing_manifest_is_a_usage_error(tiny_model: Path, tmp_path: Path) -> None:
    model = _copy(tiny_model, tmp_path)
    (model / MANIFEST).unlink()
    with pytest.raises(UsageError, match="manifest.json"):
        load_model(model)


def test_scan_with_tampered_model_fails_with_one_line(
    tiny_model: Path, tmp_path: Path, runner: object
) -> None:
    model = _copy(tiny_model, tmp_path)
    (model / "idf_char.npy").write_bytes((model / "idf_char.npy").read_bytes()[:-8] + b"\0" * 8)
    doc = tmp_path / "通知.txt"
    doc.write_text(
        "经局党组会议研究，拟提拔甲某同志任办公室副主任，考察组已完成民主测评。\n", "utf-8"
    )
    result = runner.invoke(main, ["--model", str(model), "scan", str(doc)])  # type: ignore[attr-defined]
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "idf_char.npy 的 sha256 与清单不符" in lines[0]
    assert "Traceback" not in result.output

"""Model files on disk — saved and loaded WITHOUT pickle.

A model directory holds JSON (settings, vocabularies, card) and ``.npy`` arrays, plus
``manifest.json`` with the sha256 of every file. Loading reads each listed file once, checks its
hash against the manifest and refuses a mismatch with a ``UsageError``; arrays are parsed from
those verified bytes with ``np.load(..., allow_pickle=False)``, so no file is ever unpickled.
The model hash recorded by scans is the sha256 of ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from secreview.errors import UsageError

FORMAT = "secreview-linear-v1"
MANIFEST = "manifest.json"
REQUIRED = (
    "model.json",
    "vocab_word.json",
    "vocab_char.json",
    "idf_word.npy",
    "idf_char.npy",
    "coef.npy",
    "intercept.npy",
    "calib_a.npy",
    "calib_b.npy",
    "userdict.txt",
)


def json_bytes(data: Any) -> bytes:
    """Byte-deterministic JSON (sorted keys, UTF-8, trailing newline)."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def save_model(out_dir: Path, files: dict[str, bytes]) -> str:
    """Write ``files`` (name → bytes) and the manifest; returns the model hash."""
    missing = [name for name in REQUIRED if name not in files]
    if missing:
        raise UsageError(f"模型缺少文件：{', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(files.items()):
        _write(out_dir / name, data)
    manifest = {
        "format": FORMAT,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    blob = json_bytes(manifest)
    _write(out_dir / MANIFEST, blob)
    return hashlib.sha256(blob).hexdigest()


def manifest_hash(model_dir: Path) -> str:
    try:
        return hashlib.sha256((model_dir / MANIFEST).read_bytes()).hexdigest()
    except OSError as e:
        raise UsageError(f"无法读取模型清单 {model_dir / MANIFEST}：{e.strerror}") from e


class VerifiedFiles:
    """The bytes of every manifest-listed file, each checked against its sha256."""

    def __init__(self, model_dir: Path) -> None:
        self.dir = model_dir
        try:
            raw = (model_dir / MANIFEST).read_bytes()
        except OSError as e:
            raise UsageError(
                f"模型目录无效：找不到 {model_dir / MANIFEST}（not a secreview model dir）"
            ) from e
        self.hash = hashlib.sha256(raw).hexdigest()
        try:
            manifest = json.loads(raw)
            listed: dict[str, str] = dict(manifest["files"])
            fmt = manifest.get("format")
        except (ValueError, KeyError, TypeError) as e:
            raise UsageError(f"模型清单格式错误：{model_dir / MANIFEST}") from e
        if fmt != FORMAT:
            raise UsageError(f"不支持的模型格式 {fmt!r}（expected {FORMAT}）：{model_dir}")
        missing = [name for name in REQUIRED if name not in listed]
        if missing:
            raise UsageError(f"模型清单缺少文件：{', '.join(missing)}（{model_dir}）")
        self._data: dict[str, bytes] = {}
        for name in REQUIRED:
            if "/" in name or name.startswith("."):
                raise UsageError(f"模型清单中的文件名无效：{name!r}")
            try:
                data = (model_dir / name).read_bytes()
            except OSError as e:
                raise UsageError(f"无法读取模型文件 {model_dir / name}：{e.strerror}") from e
            if hashlib.sha256(data).hexdigest() != listed[name]:
                raise UsageError(
                    f"模型文件 {name} 的 sha256 与清单不符，已拒绝加载（model file tampered or "
                    f"corrupt: {model_dir / name}）；请重新训练或恢复模型"
                )
            self._data[name] = data

    def bytes(self, name: str) -> bytes:
        return self._data[name]

    def json(self, name: str) -> Any:
        try:
            return json.loads(self._data[name])
        except ValueError as e:
            raise UsageError(f"模型文件 {name} 不是合法 JSON") from e

    def array(self, name: str, dtype: str) -> np.ndarray:
        try:
            arr = np.load(io.BytesIO(self._data[name]), allow_pickle=False)
        except ValueError as e:
            raise UsageError(f"模型文件 {name} 不是合法的 .npy 数组（{e}）") from e
        if arr.dtype != np.dtype(dtype):
            raise UsageError(f"模型文件 {name} 的数据类型 {arr.dtype} 不符（expected {dtype}）")
        return arr

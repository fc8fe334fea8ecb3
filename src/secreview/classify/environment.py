"""The library versions a model was trained with, and how the running ones differ.

Training is byte-deterministic only for the same inputs *and* the same numeric libraries: a new
scikit-learn or scipy release can move a threshold. The model card records these versions;
``secreview train`` warns when the running ones differ, and the reproduction test names the
library that moved.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from importlib import metadata

# Distributions whose version can change a trained model's bytes.
TRAINING_LIBRARIES = ("scikit-learn", "numpy", "scipy", "jieba", "jieba-fast-dat")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def library_versions() -> dict[str, str]:
    """Versions of the training libraries and of Python (major.minor) in this process."""
    versions = {dist: _version(dist) for dist in TRAINING_LIBRARIES}
    versions["python"] = ".".join(platform.python_version_tuple()[:2])
    return versions


def version_differences(recorded: Mapping[str, str], running: Mapping[str, str]) -> list[str]:
    """``["scikit-learn 1.6.1 → 1.9.1", …]`` for each library whose version differs."""
    return [
        f"{name} {recorded.get(name, '?')} → {running.get(name, '?')}"
        for name in sorted(set(recorded) | set(running))
        if recorded.get(name) != running.get(name)
    ]

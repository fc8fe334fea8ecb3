"""Presidio with two pattern recognizers and no NLP model: MB/s on a text file, line by line.

Run by bench_text.py with the interpreter of bench/.venv-presidio
(bench/requirements-presidio.txt); prints one JSON line. Two ways an office would script it,
both with Presidio's own PatternRecognizer (the `regex` module, validation, result objects)
for the Chinese resident ID number and the phone number (mobile or landline), over each non-empty line:
  - "analyzer": AnalyzerEngine.analyze (registry of the two recognizers, context enhancer,
    duplicate removal, score threshold) with empty precomputed NLP artifacts, so no spaCy
    model runs — the issue's anchor;
  - "recognizers": the two recognizers' analyze() called directly (regex search alone).
Usage: bench/.venv-presidio/bin/python bench/presidio_anchor.py FILE [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import time

from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

RECOGNIZERS = [
    PatternRecognizer(
        supported_entity="CN_ID_CARD",
        supported_language="zh",
        patterns=[Pattern("cn_id", r"(?<!\d)\d{17}[\dXx](?!\d)", 0.6)],
    ),
    PatternRecognizer(
        supported_entity="CN_PHONE",
        supported_language="zh",
        patterns=[Pattern("cn_phone", r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)", 0.5)],
    ),
]


class NoNlp(NlpEngine):
    """An NLP engine that is never asked for anything (artifacts are passed in)."""

    def load(self) -> None:
        pass

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text, language):  # noqa: ANN001, ANN201
        raise AssertionError("no NLP in this anchor")

    def process_batch(self, texts, language, **kwargs):  # noqa: ANN001, ANN003, ANN201
        raise AssertionError("no NLP in this anchor")

    def is_stopword(self, word, language):  # noqa: ANN001, ANN201
        return False

    def is_punct(self, word, language):  # noqa: ANN001, ANN201
        return False

    def get_supported_entities(self):  # noqa: ANN201
        return []

    def get_supported_languages(self):  # noqa: ANN201
        return ["zh"]


def recognizers(lines: list[str]) -> int:
    found = 0
    for line in lines:
        for rec in RECOGNIZERS:
            found += len(rec.analyze(line, rec.supported_entities, None))
    return found


def analyzer(lines: list[str]) -> int:
    registry = RecognizerRegistry(supported_languages=["zh"])
    for rec in RECOGNIZERS:
        registry.add_recognizer(rec)
    nlp = NoNlp()
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])
    empty = NlpArtifacts([], None, [], [], nlp, "zh")
    return sum(len(engine.analyze(line, "zh", nlp_artifacts=empty)) for line in lines)


def timed(data: bytes, run, repeat: int) -> tuple[float, int]:  # noqa: ANN001
    best, found = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
        found = run(lines)
        best = min(best, time.perf_counter() - t0)
    return best, found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with open(args.file, "rb") as fh:
        data = fh.read()
    out: dict[str, object] = {"mb": len(data) / 2**20}
    for name, run in (("analyzer", analyzer), ("recognizers", recognizers)):
        seconds, found = timed(data, run, args.repeat)
        out[name] = {"seconds": seconds, "found": found}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

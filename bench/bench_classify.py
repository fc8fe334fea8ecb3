"""Classifier speed: paragraphs/s and MB/s of scoring, and cold start of `secreview scan`.

Usage: python bench/bench_classify.py [--model DIR] [--runs N] [--rounds N]
SECREVIEW_JIEBA=python measures the plain-jieba engine (same tokens) for comparison.
Prints figures; asserts nothing. Paragraphs come from ../shared/data/gov-work-reports when
present (read only), else from sentences written here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from secreview.classify.check import _batches, get_model  # noqa: E402
from secreview.classify.tokenize import (  # noqa: E402
    char_ngrams,
    engine_name,
    prepare,
    word_tokens,
)
from secreview.normalize import normalize  # noqa: E402

SMALL = (
    "关于做好2024年度部门预算公开工作的通知\n"
    "各科室：根据预算法和政府信息公开条例的规定，现将部门预算公开有关事项通知如下。\n"
    "经局党组会议研究，拟提拔甲某同志任办公室副主任，考察组已完成民主测评和个别谈话。\n"
    "联系电话：0000-0000000\n"
)


def paragraphs(limit: int = 3000) -> list[str]:
    shared = (
        Path(os.environ.get("SECREVIEW_SHARED_DATA") or REPO.parent / "shared" / "data")
        / "gov-work-reports"
        / "gov_work_reports.jsonl"
    )
    out: list[str] = []
    if shared.is_file():
        with open(shared, encoding="utf-8") as fh:
            for line in fh:
                for para in json.loads(line)["text"].split("\n"):
                    if len(para.strip()) >= 12:
                        out.append(para.strip())
                if len(out) >= limit:
                    break
    if not out:
        out = [line for line in SMALL.splitlines() if len(line) >= 12] * (limit // 3)
    return out[:limit]


class Timing:
    """Best wall-clock and CPU seconds over runs."""

    def __init__(self) -> None:
        self.wall = self.cpu = float("inf")

    def run(self, fn: Callable[[], None]) -> None:
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        self.wall = min(self.wall, time.perf_counter() - w0)
        self.cpu = min(self.cpu, time.process_time() - c0)


def bench_scoring(model_dir: Path, rounds: int) -> None:
    t0 = time.perf_counter()
    model = get_model(model_dir)
    t1 = time.perf_counter()
    _ = model.tokenizer
    t2 = time.perf_counter()
    print(
        f"model load (verify + JSON + npy): {t1 - t0:.3f} s; jieba tokenizer load: {t2 - t1:.3f} s"
    )
    texts = [normalize(p).text for p in paragraphs()]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    # Tables and process settings of the batch path (classify/batch.py) set up before any
    # timing, so that both paths run under the same malloc settings.
    model.batch(["预热分类器的一段文字，足够长。"])
    t0 = time.perf_counter()
    for t in texts:
        word_tokens(model.tokenizer, prepare(t))
    t_words = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        char_ngrams(prepare(t))
    t_chars = time.perf_counter() - t0

    def one_at_a_time() -> None:
        for t in texts:
            model.proba_features(model.features(t))

    def batches() -> None:
        for chunk in _batches(iter(enumerate(texts))):
            model.batch([t for _, t in chunk])

    def cold_batches() -> None:
        model.forget_words()  # every piece of text new to the word cache
        batches()

    # Rounds of both paths in turn, best of each (wall and CPU): the machine is shared.
    one, cold = Timing(), Timing()
    for _ in range(rounds):
        one.run(one_at_a_time)
        cold.run(cold_batches)
    warm = Timing()
    warm.run(batches)  # the same paragraphs again: every piece is in the cache
    n = len(texts)
    print(f"{n} paragraphs, {mb:.2f} MB UTF-8 (mean {mb * 1e6 / n:.0f} bytes), best of {rounds}")
    print(f"  jieba words only : {mb / t_words:6.2f} MB/s")
    print(f"  char n-grams only: {mb / t_chars:6.2f} MB/s")
    print(f"  full scoring     : {mb / one.wall:6.2f} MB/s, {n / one.wall:,.0f} paragraphs/s")
    print(
        f"  batches (scan)   : {mb / cold.wall:6.2f} MB/s, {n / cold.wall:,.0f} paragraphs/s "
        f"= {one.wall / cold.wall:.2f}x one paragraph at a time (word cache cold; CPU time: "
        f"{mb / cold.cpu:.2f} MB/s, {one.cpu / cold.cpu:.2f}x)"
    )
    print(
        f"  same, warm cache : {mb / warm.wall:6.2f} MB/s = {one.wall / warm.wall:.2f}x "
        "(an upper bound: the paragraphs were all cut before)"
    )
    # One long text (per-call overhead amortised), comparable to the jieba reference figure.
    long_text = prepare("".join(texts))
    t0 = time.perf_counter()
    word_tokens(model.tokenizer, long_text)
    t_long = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.proba(long_text)
    t_long_all = time.perf_counter() - t0
    print(
        f"  same text as one string: jieba {mb / t_long:.2f} MB/s, full {mb / t_long_all:.2f} MB/s"
    )


def _time_scan(args: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "secreview", *args], env=env, capture_output=True, check=False
        )
        times.append(time.perf_counter() - t0)
    return times


def bench_cold_start(model_dir: Path, runs: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.txt"
        small.write_text(SMALL, encoding="utf-8")
        fresh_cache = dict(env, SECREVIEW_CACHE_DIR=str(Path(tmp) / "cache"))
        first = _time_scan(["--model", str(model_dir), "scan", str(small)], fresh_cache, 1)
        with_model = _time_scan(["--model", str(model_dir), "scan", str(small)], env, runs)
        without = _time_scan(["--model", str(Path(tmp) / "none"), "scan", str(small)], env, runs)
    print(f"cold start `python -m secreview scan small.txt` ({runs} runs):")
    print(
        f"  classifier on : median {statistics.median(with_model):.3f} s, "
        f"min {min(with_model):.3f} s"
    )
    print(f"  classifier off: median {statistics.median(without):.3f} s, min {min(without):.3f} s")
    print(f"  first run with an empty tokenizer cache: {first[0]:.3f} s (builds the cache once)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both scoring paths")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores shared); engine: {engine_name()}")
    bench_scoring(args.model, args.rounds)
    bench_cold_start(args.model, args.runs)


if __name__ == "__main__":
    main()

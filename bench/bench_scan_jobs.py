"""`scan --jobs`: files per second on 2 cores against 1 core (the anchor), same run.

Writes a folder of real documents (Chinese text files, DOCX and PDF of a few pages each),
then times ``pipeline.scan_files`` — what ``secreview scan -r`` runs — with ``jobs=1`` and
``jobs=2`` and checks the two give the same reports in the same order. The issue-17 goal is
≥ 1.8× on 2 cores. The machine must have two idle cores for the ratio to mean anything.
Run:

    PYTHONPATH=src python bench/bench_scan_jobs.py [--files 48] [--repeat 2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = (
    "各单位要认真落实安全生产责任制，加强隐患排查治理，对发现的问题建立台账，"
    "明确整改时限和责任人，逐项销号。本年度共办理群众来信来访一百二十件。"
)


def write_folder(folder: Path, files: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.helpers import docx_builder as db
    from tests.helpers import pdf_builder as pb

    for k in range(files):
        kind = k % 3
        if kind == 0:
            body = "\n".join(f"{PARAGRAPH}（第{k}号文件第{p}段）" for p in range(60))
            (folder / f"通知{k:03d}.txt").write_text(body, encoding="utf-8")
        elif kind == 1:
            d = db.new_document()
            for p in range(60):
                d.add_paragraph(f"{PARAGRAPH}（第{k}号文件第{p}段）")
            (folder / f"纪要{k:03d}.docx").write_bytes(db.to_bytes(d))
        else:
            pages = [[f"{PARAGRAPH}（第{k}号第{n}页第{p}段）" for p in range(6)] for n in range(4)]
            (folder / f"报告{k:03d}.pdf").write_bytes(pb.text_pdf(pages))


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    from secreview.config import Config
    from secreview.pipeline import default_checks, expand_paths, scan_files

    config = Config()
    default_checks(config)  # loaded once in this process; forked workers inherit it
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_folder(folder, args.files)
        files = expand_paths([folder], recursive=True)
        results = {}
        rate = {}
        cores = {}
        for jobs in (1, 2):
            best = float("inf")
            for _ in range(args.repeat):
                cpu0 = _cpu()
                start = time.perf_counter()
                reports = scan_files(files, config, jobs)
                wall = time.perf_counter() - start
                if wall < best:
                    best, cores[jobs] = wall, (_cpu() - cpu0) / wall
            results[jobs] = [r.to_dict() for r in reports]
            rate[jobs] = len(files) / best
        assert results[1] == results[2], "--jobs 2 gave other reports than --jobs 1"
        print(f"{len(files)} files (txt, docx, pdf), same reports with 1 and 2 jobs")
        print(f"scan --jobs 1 (anchor)   {rate[1]:6.1f} files/s  (CPU busy: {cores[1]:.2f} cores)")
        print(
            f"scan --jobs 2            {rate[2]:6.1f} files/s  = {rate[2] / rate[1]:4.2f}× one core"
            f"  (CPU busy: {cores[2]:.2f} cores)"
        )
        print(
            "CPU busy: CPU seconds of this process and its workers per wall second; below 1 "
            "and 2, other work on the machine had the cores"
        )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())

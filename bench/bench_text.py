"""Throughput of `scan_file`: MB/s on a 10 MB Chinese TXT, rows/s on a 10,000-row XLSX roster.

Each figure is printed with its anchor from the same run:
  - the whole text scan (rules + residue + classifier) against Presidio's analyzer with two
    regex recognizers (ID number, phone) and no NLP model on the same file
    (bench/presidio_anchor.py, run with bench/.venv-presidio when installed from
    bench/requirements-presidio.txt; skipped with the reason otherwise);
  - the classifier alone, batches (classify/batch.py) against one paragraph at a time
    (``LinearModel.proba``, the former path) on the first --classifier-mb of the same text;
  - with --memory 10,30,100: a scan of texts of those sizes each in a child process, its time
    and peak RSS in MiB per MB of input.
The roster is generated here from invented names. The text is generated from invented phrases
(``--source generated``: repetitive, which the classifier's word cache favours) or is real
published text read from ../shared/data (``--source shared``: nothing repeated).
Run: PYTHONPATH=src python bench/bench_text.py [--mb 10] [--rows 10000] [--memory 10,30,100]
     [--source generated|shared]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from secreview.config import Config
from secreview.pipeline import scan_file

HERE = Path(__file__).resolve().parent
PRESIDIO_PY = HERE / ".venv-presidio" / "bin" / "python"

SUBJECTS = ["区政府", "各镇街", "区直各部门", "工作专班", "本单位", "有关科室", "社区居委会"]
VERBS = ["要进一步加强", "应当认真落实", "持续推进", "统筹做好", "切实抓好", "定期梳理"]
OBJECTS = [
    "政务公开标准化规范化建设",
    "基层政务服务事项清单",
    "重点领域信息公开工作",
    "政策解读和回应关切",
    "政府网站内容保障",
    "依申请公开办理流程",
    "公开目录动态更新",
]
TAILS = [
    "，确保各项任务按期完成。",
    "，并于每季度末报送进展情况。",
    "，形成长效工作机制。",
    "，接受社会公众监督。",
    "，不断提升群众满意度。",
]


def chinese_text(target_bytes: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    out = io.StringIO()
    size = 0
    n = 0
    while size < target_bytes:
        n += 1
        line = (
            f"{n}. "
            + "".join(
                rnd.choice(SUBJECTS) + rnd.choice(VERBS) + rnd.choice(OBJECTS) + rnd.choice(TAILS)
                for _ in range(rnd.randint(2, 5))
            )
            + f"联系电话：0632-{rnd.randint(6000000, 6999999)}。\n"
        )
        out.write(line)
        size += len(line.encode("utf-8"))
    return out.getvalue().encode("utf-8")


SHARED = Path(os.environ.get("SECREVIEW_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
SHARED_TEXTS = (
    "gov-work-reports/gov_work_reports.jsonl",
    "xinwenlianbo/xinwenlianbo.jsonl",
    "lawrefbook/lawrefbook.jsonl",
)


def shared_text(target_bytes: int) -> bytes | None:
    """Real published text from ../shared/data (work reports, then news broadcasts, then laws),
    one paragraph a line, no record repeated: ``target_bytes`` of it, or None if too little."""
    out = io.StringIO()
    size = 0
    for rel in SHARED_TEXTS:
        path = SHARED / rel
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                text = str(json.loads(line).get("text") or "")
                for para in text.split("\n"):
                    if para.strip():
                        out.write(para.strip() + "\n")
                        size += len(para.encode("utf-8")) + 1
                if size >= target_bytes:
                    return out.getvalue().encode("utf-8")
    return None


def id_check_digit(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


def roster(rows: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["序号", "姓名", "身份证号", "手机", "登记日期", "补贴金额"])
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    for i in range(1, rows + 1):
        name = surnames[i % 16] + given[i % len(given)] + given[(i * 7) % len(given)]
        body = f"3704021980{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
        ws.append(
            [i, name, body + id_check_digit(body), f"138{i:08d}", date(2023, 1 + i % 12, 1), i / 2]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed(path: Path, config: Config, repeat: int) -> tuple[float, str]:
    best = float("inf")
    verdict = ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = scan_file(path, config)
        best = min(best, time.perf_counter() - t0)
        verdict = report.verdict
    return best, verdict


def presidio(path: Path, repeat: int) -> dict | None:
    """Presidio's figures on ``path`` from its own virtualenv, or None (reason printed)."""
    if not PRESIDIO_PY.exists():
        print(
            "presidio: skipped — no bench/.venv-presidio (python3.11 -m venv bench/.venv-presidio"
            " && bench/.venv-presidio/bin/pip install -r bench/requirements-presidio.txt)"
        )
        return None
    run = subprocess.run(
        [str(PRESIDIO_PY), str(HERE / "presidio_anchor.py"), str(path), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print(f"presidio: skipped — the anchor failed: {run.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(run.stdout)


def classifier(path: Path, mb_limit: float, config: Config) -> tuple[float, float, float]:
    """(MB, seconds one paragraph at a time, seconds in batches) on the head of ``path``."""
    from secreview.checks import ScanContext
    from secreview.classify.check import ClassifierCheck, get_model
    from secreview.classify.corpus import long_enough
    from secreview.extract import extract_bytes

    assert config.model_dir is not None
    data = path.read_bytes()[: int(mb_limit * 1024 * 1024)]
    data = data[: data.rfind(b"\n") + 1]
    doc = extract_bytes(data, str(path), config.limits)
    model = get_model(config.model_dir)
    model.batch(["预热分类器的一段文字，足够长。"])  # tokenizer and tables loaded once
    ctx = ScanContext(doc)
    texts = [ctx.normalized_text(i) for i in range(len(doc.segments))]
    texts = [t for t in texts if long_enough(t)]
    t0 = time.perf_counter()
    for t in texts:
        model.flagged(model.proba(t))
    one = time.perf_counter() - t0
    model.forget_words()  # the whole-text scan above has cut these very words: start cold
    t0 = time.perf_counter()
    ClassifierCheck(config.model_dir).run(doc, ctx)
    batch = time.perf_counter() - t0
    return len(data) / 2**20, one, batch


MEMORY_CHILD = """
import resource, sys, time
from secreview.config import Config
from secreview.pipeline import scan_file
t0 = time.perf_counter()
r = scan_file(sys.argv[1], Config())
# this process and the classifier's helper (classify/split.py) each had their peak: both count
rss = sum(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(time.perf_counter() - t0, r.verdict, rss)
"""


def memory(sizes: list[float], tmp: Path) -> list[tuple[float, float, float, str]]:
    """(MB, seconds, peak RSS MiB, verdict) of a scan in a child process per size."""
    out = []
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    for size in sizes:
        path = tmp / f"memory-{size:g}.txt"
        path.write_bytes(chinese_text(int(size * 1024 * 1024)))
        run = subprocess.run(
            [sys.executable, "-c", MEMORY_CHILD, str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        secs, verdict, kib = run.stdout.split()
        out.append((path.stat().st_size / 2**20, float(secs), int(kib) / 1024, verdict))
        path.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--classifier-mb", type=float, default=2.0)
    ap.add_argument("--memory", default="", help="sizes in MB, e.g. 10,30,100")
    ap.add_argument(
        "--source",
        choices=("generated", "shared"),
        default="generated",
        help="the text: generated from invented phrases (repetitive), or real published text "
        "from ../shared/data (work reports, news broadcasts, laws; nothing repeated)",
    )
    args = ap.parse_args()
    config = Config()
    notes: list[str] = []
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores shared)")
    with tempfile.TemporaryDirectory() as tmp:
        txt = Path(tmp) / "bench.txt"
        target = int(args.mb * 1024 * 1024)
        data = shared_text(target) if args.source == "shared" else chinese_text(target)
        if data is None:
            raise SystemExit(f"--source shared: not {args.mb} MB of text under {SHARED}")
        print(
            f"text: {args.source} ({'../shared/data' if args.source == 'shared' else 'invented phrases'})"
        )
        txt.write_bytes(data)
        mb = txt.stat().st_size / (1024 * 1024)
        anchor = presidio(txt, args.repeat)
        # every core (the default: the classifier shares a large file with a helper process),
        # then one core (scan --jobs 1)
        warm = Path(tmp) / "warm.txt"  # the model, the tokenizer and the rules load here
        warm.write_bytes(chinese_text(20_000))
        scan_file(warm, config)
        for label, cfg in (("2 cores", config), ("1 core ", replace(config, jobs=1))):
            secs, verdict = timed(txt, cfg, args.repeat)
            print(
                f"txt   {mb:6.1f} MB  {secs:6.2f} s  {mb / secs:8.2f} MB/s  {label}  "
                f"verdict={verdict}"
            )
            if anchor is None:
                continue
            for name in ("analyzer", "recognizers"):
                p_secs = anchor[name]["seconds"]
                line = (
                    f"  vs presidio {name:11s} {anchor['mb'] / p_secs:6.2f} MB/s "
                    f"({anchor[name]['found']} found): {p_secs / secs:.2f}x"
                )
                print(line)
                notes.append(
                    f"whole text scan, {label.strip()}: {mb / secs:.2f} MB/s {line.strip()}"
                )

        c_mb, one, batch = classifier(txt, args.classifier_mb, config)
        line = (
            f"classifier on {c_mb:.1f} MB: batches {c_mb / batch:.2f} MB/s, one paragraph at a "
            f"time {c_mb / one:.2f} MB/s: {one / batch:.2f}x"
        )
        print(line)
        notes.append(line)

        xlsx = Path(tmp) / "roster.xlsx"
        xlsx.write_bytes(roster(args.rows))
        secs, verdict = timed(xlsx, config, args.repeat)
        rows = args.rows + 1
        print(
            f"xlsx  {rows:6d} rows {secs:6.2f} s  {rows / secs:8.0f} rows/s "
            f"({rows * 6 / secs:.0f} cells/s, {xlsx.stat().st_size / 1024:.0f} KB)  "
            f"verdict={verdict}"
        )
        if args.memory:
            for size, m_secs, rss, m_verdict in memory(
                [float(x) for x in args.memory.split(",")], Path(tmp)
            ):
                line = (
                    f"memory: {size:6.1f} MB text scanned in {m_secs:6.1f} s ({size / m_secs:.2f}"
                    f" MB/s, {m_verdict}), peak RSS {rss:7.1f} MiB = {rss / size:.2f} MiB per MB"
                )
                print(line)
                notes.append(line)
    print("-- closing note (ratios with their anchors, same run):")
    for line in notes:
        print("  " + line)


if __name__ == "__main__":
    main()

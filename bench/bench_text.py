"""Throughput of `scan_file`: MB/s on a 10 MB Chinese TXT, rows/s on a 10,000-row XLSX roster.

The text and the roster are generated here from invented phrases and names.
Run: PYTHONPATH=src python bench/bench_text.py [--mb 10] [--rows 10000]
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from secreview.config import Config
from secreview.pipeline import scan_file

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    config = Config()
    with tempfile.TemporaryDirectory() as tmp:
        txt = Path(tmp) / "bench.txt"
        txt.write_bytes(chinese_text(int(args.mb * 1024 * 1024)))
        mb = txt.stat().st_size / (1024 * 1024)
        secs, verdict = timed(txt, config, args.repeat)
        print(f"txt   {mb:6.1f} MB  {secs:6.2f} s  {mb / secs:8.2f} MB/s   verdict={verdict}")

        xlsx = Path(tmp) / "roster.xlsx"
        xlsx.write_bytes(roster(args.rows))
        secs, verdict = timed(xlsx, config, args.repeat)
        rows = args.rows + 1
        print(
            f"xlsx  {rows:6d} rows {secs:6.2f} s  {rows / secs:8.0f} rows/s "
            f"({rows * 6 / secs:.0f} cells/s, {xlsx.stat().st_size / 1024:.0f} KB)  "
            f"verdict={verdict}"
        )


if __name__ == "__main__":
    main()

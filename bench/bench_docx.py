"""DOCX speed: docs/s for secreview's extractor (with residue) and its full review, against
bare python-docx (the anchor) on the same file in the same run.

Builds one 200-paragraph DOCX with a table, a header, tracked changes and comments, then
extracts and reviews it repeatedly. The full review is ``scan_bytes`` (extraction, rules,
residue, classifier), with the classifier on and off: issue 17's goal is ≥ 100 docs/s for the
full review. Prints figures; asserts nothing.

    PYTHONPATH=src python bench/bench_docx.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

import docx  # noqa: E402

from secreview.config import Config, Limits  # noqa: E402
from secreview.extract import docx as docx_extract  # noqa: E402
from secreview.pipeline import default_checks, scan_bytes, scan_files  # noqa: E402
from tests.helpers import docx_builder as B  # noqa: E402

SENTENCE = "为进一步做好政府信息公开工作，现就有关事项通知如下，请各单位认真贯彻落实。"


def build() -> bytes:
    d = B.new_document()
    d.sections[0].header.paragraphs[0].text = "某某县人民政府办公室"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    d.core_properties.author = "张三"
    paras = []
    for i in range(200):
        if i % 40 == 20:
            B.append_xml_paragraph(
                d,
                B.run(f"第{i + 1}段：" + SENTENCE)
                + B.ins("新增内容", 100 + i)
                + B.dele("删除内容", 200 + i),
            )
        else:
            paras.append(d.add_paragraph(f"第{i + 1}段：" + SENTENCE * 2))
        if i == 100:
            table = d.add_table(rows=10, cols=4)
            for r in range(10):
                for c in range(4):
                    table.cell(r, c).text = f"单元格{r + 1}-{c + 1}"
    for p in paras[:5]:
        d.add_comment(p.runs, text="请核实此处表述", author="李四", initials="LS")
    return B.to_bytes(d)


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm up (imports, caches)
    n = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        n += 1
    return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    data = build()
    limits = Limits()
    doc = docx_extract.extract(data, "bench.docx", limits)
    parts: dict[str, int] = {}
    for seg in doc.segments:
        parts[seg.location.part] = parts.get(seg.location.part, 0) + 1

    def bare() -> None:
        document = docx.Document(io.BytesIO(data))
        _ = [p.text for p in document.paragraphs]
        _ = [c.text for t in document.tables for row in t.rows for c in row.cells]

    def bare_paragraphs() -> None:
        _ = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]

    with_model, without = Config(), Config(use_classifier=False)
    checks, plain_checks = default_checks(with_model), default_checks(without)
    ours = rate(lambda: docx_extract.extract(data, "bench.docx", limits), args.seconds)
    full = rate(lambda: scan_bytes(data, "bench.docx", with_model, checks), args.seconds)
    full_plain = rate(lambda: scan_bytes(data, "bench.docx", without, plain_checks), args.seconds)
    ref = rate(bare, args.seconds)
    ref_p = rate(bare_paragraphs, args.seconds)
    print(f"document: {len(data) / 1024:.0f} KiB, segments by part: {parts}")
    print(f"residue notes: {[n.kind for n in doc.residue]}")
    print(f"python-docx bare paragraphs+tables (anchor): {ref:7.1f} docs/s")
    print(f"python-docx bare paragraphs only:            {ref_p:7.1f} docs/s")
    for label, r, goal in (
        ("secreview docx extract (incl. residue)", ours, ""),
        ("secreview full review, classifier on", full, "  (goal ≥ 100 docs/s)"),
        ("secreview full review, classifier off", full_plain, ""),
    ):
        print(f"{label:44s} {r:7.1f} docs/s  = {r / ref:4.2f}× anchor{goal}")
    # What `secreview scan -r` gives on a folder of such documents, with 1 and 2 processes.
    copies = max(20, int(full * args.seconds))
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k in range(copies):
            path = Path(tmp) / f"通知{k:04d}.docx"
            path.write_bytes(data)
            files.append(path)
        for jobs in (1, 2):
            start = time.perf_counter()
            reports = scan_files(files, with_model, jobs)
            r = len(reports) / (time.perf_counter() - start)
            label = f"scan of {copies} such files, --jobs {jobs}"
            print(f"{label:44s} {r:7.1f} docs/s  = {r / ref:4.2f}× anchor  (goal ≥ 100 docs/s)")


if __name__ == "__main__":
    main()

"""PDF speed: secreview's full review vs bare pdfplumber ``extract_text`` (the anchor).

Generates a 50-page Chinese PDF (paragraphs and a bordered table on every page, a dark box
over text on every tenth page) and prints pages per second, each as a ratio to bare
pdfplumber ``extract_text`` on the same file in the same run:

- extraction alone, plain pages from pdfium (pdf_fast.py) and the others from pdf_layout;
- extraction with pdf_layout on every page (how every page was read before issue 17);
- the full review (``scan_bytes``: extraction, rules, residue and the classifier), and the
  same without the classifier. Issue 17's goal: full review ≥ 3× the anchor.

Run:

    PYTHONPATH=src python bench/bench_pdf.py [--pages 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import pdfplumber
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from secreview.config import Config, Limits
from secreview.extract.pdf import extract, geometry_only
from secreview.pipeline import default_checks, scan_bytes

FONT = "STSong-Light"
SENTENCES = (
    "各单位要认真落实安全生产责任制，加强隐患排查治理。",
    "本年度共办理群众来信来访一百二十件，按期办结率百分之九十八。",
    "区财政局会同相关部门完成预算执行情况的年中评估工作。",
    "对发现的问题建立台账，明确整改时限和责任人，逐项销号。",
    "进一步优化营商环境，推行政务服务事项一网通办。",
)


def build(pages: int) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    per_line = int((width - 144) // 12)
    for n in range(pages):
        c.setFont(FONT, 16)
        c.drawCentredString(width / 2, height - 72, f"第{n + 1}部分 工作情况报告")
        c.setFont(FONT, 12)
        y = height - 110
        for p in range(5):
            text = "".join(SENTENCES[(n + p + k) % 5] for k in range(4))
            first = True
            while text:
                chunk, text = (
                    text[: per_line - (2 if first else 0)],
                    text[per_line - (2 if first else 0) :],
                )
                c.drawString(72 + (24 if first else 0), y, chunk)
                first = False
                y -= 21
            y -= 6
        # a bordered table: 4 rows × 3 columns
        top = y - 10
        for r in range(5):
            c.line(72, top - 20 * r, 472, top - 20 * r)
        for x in (72, 222, 352, 472):
            c.line(x, top, x, top - 80)
        for r in range(4):
            for col, x in enumerate((76, 226, 356)):
                c.drawString(x, top - 20 * r - 15, f"项目{r + 1}-{col + 1}")
        if n % 10 == 0:
            c.drawString(72, 60, "联系人：张某某")
            c.rect(120, 56, 50, 16, fill=1, stroke=0)
        c.showPage()
    c.save()
    return buf.getvalue()


def bare(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
        return len(pdf.pages)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = build(args.pages)
    print(f"PDF: {args.pages} pages, {len(data) / 1024:.0f} KiB")
    doc = extract(data, "bench.pdf", Limits())
    kinds = sorted({n.kind for n in doc.residue})
    print(f"segments: {len(doc.segments)}, residue notes: {kinds}")
    config = Config()
    plain = Config(use_classifier=False)
    checks, plain_checks = default_checks(config), default_checks(plain)

    def layout_only() -> None:
        with geometry_only():
            extract(data, "b", Limits())

    def best(fn: object) -> float:
        assert callable(fn)
        fn()  # warm: models and rule packs loaded, pdfium opened once
        out = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            out = min(out, time.perf_counter() - start)
        return out

    anchor = best(lambda: bare(data))
    print(f"{'pdfplumber extract_text (bare, the anchor)':52s} {args.pages / anchor:7.1f} pages/s")
    for name, fn in (
        ("secreview extract (pdfium for plain pages)", lambda: extract(data, "b", Limits())),
        ("secreview extract (pdf_layout on every page)", layout_only),
        ("secreview full review, classifier on", lambda: scan_bytes(data, "b.pdf", config, checks)),
        (
            "secreview full review, classifier off",
            lambda: scan_bytes(data, "b.pdf", plain, plain_checks),
        ),
    ):
        t = best(fn)
        print(f"{name:52s} {args.pages / t:7.1f} pages/s  = {anchor / t:4.2f}× anchor")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    sys.exit(main())

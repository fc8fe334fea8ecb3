"""Speed of the issue-14 formats, each against the library a user would otherwise run, in
the same run; OCR recall and pages/s against Debian's Tesseract (chi_sim) when installed.

Documents are built by tests/helpers (our own text). Prints figures; asserts nothing.

    PYTHONPATH=src python bench/bench_formats.py [--seconds 2] [--ocr-pages 3]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from secreview.config import Config, Limits  # noqa: E402
from secreview.extract import extract_bytes, legacy, ocr  # noqa: E402
from secreview.pipeline import scan_bytes  # noqa: E402
from tests.helpers import docx_builder as D  # noqa: E402
from tests.helpers import image_builder as IB  # noqa: E402
from tests.helpers import ofd_builder as O  # noqa: E402
from tests.helpers import office_builder as B  # noqa: E402
from tests.helpers import pdf_builder as P  # noqa: E402

SENTENCE = "为进一步做好政府信息公开工作，现就有关事项通知如下，请各单位认真贯彻落实。"
LIMITS = Limits()


def rate(fn: Callable[[], object], seconds: float) -> float:
    fn()  # warm up (imports, caches)
    n = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds or n == 0:
        fn()
        n += 1
    return n / elapsed


def paragraphs(n: int) -> list[str]:
    return [f"第{i + 1}段：" + SENTENCE * 2 for i in range(n)]


# --- documents (about 10 pages / slides each) ---------------------------------------------
def ofd_doc() -> bytes:
    pages = [paragraphs(8) for _ in range(10)]
    return O.build(O.OfdSpec(pages=pages, template=["某某县人民政府"], author="张三", seals=1))


def pptx_doc() -> bytes:
    slides = [(f"第{i + 1}部分", paragraphs(5)) for i in range(10)]
    return B.pptx_bytes(
        slides, notes={i: SENTENCE for i in range(10)}, comments={0: ("李四", "请核实")}
    )


def odt_doc() -> bytes:
    return B.odt_bytes(
        paragraphs(80), table=[["姓名", "单位"]] + [["王某", "某局"]] * 20, creator="张三"
    )


def rtf_doc() -> bytes:
    return B.rtf_bytes(paragraphs(80), author="张三")


def eml_doc() -> bytes:
    d = D.new_document()
    for p in paragraphs(40):
        d.add_paragraph(p)
    return B.eml_bytes(
        "\n".join(paragraphs(20)),
        attachments=[("通知.docx", D.to_bytes(d), "application/octet-stream")],
    )


def mht_doc() -> bytes:
    return B.mht_bytes(
        "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs(80)) + "</body></html>"
    )


def zip_doc() -> bytes:
    d = D.new_document()
    for p in paragraphs(40):
        d.add_paragraph(p)
    pdf = P.text_pdf([paragraphs(8) for _ in range(5)])
    return B.zip_bytes([("附件1.docx", D.to_bytes(d)), ("附件2.pdf", pdf)])


# --- what a user would otherwise run ------------------------------------------------------
def pptx_baseline(data: bytes) -> None:
    from pptx import Presentation

    prs = Presentation(io.BytesIO(data))
    for slide in prs.slides:
        _ = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        if slide.has_notes_slide:
            _ = slide.notes_slide.notes_text_frame.text


def odt_baseline(data: bytes) -> None:
    from odf import teletype, text
    from odf.opendocument import load

    doc = load(io.BytesIO(data))
    _ = [teletype.extractText(p) for p in doc.getElementsByType(text.P)]


def rtf_baseline(data: bytes) -> None:
    from striprtf.striprtf import rtf_to_text

    rtf_to_text(data.decode("ascii"))


def eml_baseline(data: bytes) -> None:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    body = msg.get_body(("plain", "html"))
    _ = body.get_content() if body is not None else ""
    _ = [part.get_content() for part in msg.iter_attachments()]


def mht_baseline(data: bytes) -> None:
    import lxml.html

    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            lxml.html.document_fromstring(part.get_content()).text_content()


def zip_baseline(data: bytes) -> None:
    """Unzip, then python-docx and pdfplumber text of each member."""
    import docx
    import pdfplumber

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            member = zf.read(name)
            if name.endswith(".docx"):
                _ = [p.text for p in docx.Document(io.BytesIO(member)).paragraphs]
            elif name.endswith(".pdf"):
                with pdfplumber.open(io.BytesIO(member)) as pdf:
                    _ = [page.extract_text() for page in pdf.pages]


def ofd_baseline(data: bytes) -> Callable[[], object] | None:
    try:
        import ofdkit  # type: ignore[import-not-found]
    except ImportError:
        return None

    def run() -> None:
        with ofdkit.OFDDocument(data) as doc:
            doc.text()

    return run


def formats(seconds: float) -> None:
    cases: list[tuple[str, bytes, str, Callable[[], object] | None, int]] = []
    ofd = ofd_doc()
    cases.append(("ofd", ofd, "ofdkit text()", ofd_baseline(ofd), 10))
    pptx = pptx_doc()
    cases.append(("pptx", pptx, "python-pptx text dump", lambda: pptx_baseline(pptx), 10))
    odt = odt_doc()
    cases.append(("odt", odt, "odfpy teletype", lambda: odt_baseline(odt), 1))
    rtf = rtf_doc()
    cases.append(("rtf", rtf, "striprtf", lambda: rtf_baseline(rtf), 1))
    eml = eml_doc()
    cases.append(("eml", eml, "stdlib email get_body", lambda: eml_baseline(eml), 1))
    mht = mht_doc()
    cases.append(("mht", mht, "email + lxml text_content", lambda: mht_baseline(mht), 1))
    bundle = zip_doc()
    cases.append(
        ("zip", bundle, "zipfile + python-docx + pdfplumber", lambda: zip_baseline(bundle), 2)
    )
    soffice = legacy.find_soffice()
    print(
        f"{'format':6} {'KiB':>6} {'secreview files/s':>18} {'baseline files/s':>17} {'ratio':>6}  baseline"
    )
    for fmt, data, label, baseline, pages in cases:
        if fmt == "rtf" and soffice is not None:
            # RTF goes through LibreOffice when installed; measure both paths.
            slow = rate(lambda data=data: extract_bytes(data, "b.rtf", LIMITS), seconds)
            print(
                f"{'rtf/LO':6} {len(data) / 1024:6.0f} {slow:18.2f} {'':>17} {'':>6}  (LibreOffice → DOCX, all residue)"
            )
        if fmt == "rtf":
            orig = legacy.find_soffice
            legacy.find_soffice = lambda: None  # type: ignore[assignment]
            try:
                ours = rate(lambda data=data: extract_bytes(data, "b.rtf", LIMITS), seconds)
            finally:
                legacy.find_soffice = orig  # type: ignore[assignment]
        else:
            ours = rate(lambda data=data, fmt=fmt: extract_bytes(data, f"b.{fmt}", LIMITS), seconds)
        if baseline is None:
            print(
                f"{fmt:6} {len(data) / 1024:6.0f} {ours:18.2f} {'n/a':>17} {'':>6}  {label} (not installed)"
            )
            continue
        ref = rate(baseline, seconds)
        print(
            f"{fmt:6} {len(data) / 1024:6.0f} {ours:18.2f} {ref:17.2f} {ours / ref:6.2f}  {label}"
            + (f"  [{pages} pages: {ours * pages:.1f} pages/s]" if pages > 1 else "")
        )


# --- OCR ----------------------------------------------------------------------------------
def recall(truth: str, got: str) -> float:
    matched = sum(
        b.size for b in SequenceMatcher(None, truth, got, autojunk=False).get_matching_blocks()
    )
    return matched / len(truth)


def ocr_bench(pages: int) -> None:
    if IB.font_path() is None:
        print(f"OCR: skipped (no CJK font; install the Debian package {IB.DEBIAN_FONT_PACKAGE})")
        return
    n1, n2 = "".join(IB.NOTICE), "".join(IB.NOTICE2)
    # (label, page, its text, the marking on it, the ID on it)
    variants = [
        ("notice 1, 16 pt, 150 dpi", IB.render_page(dpi=150), n1, "秘密★1年", B.RESIDENT_ID),
        (
            "notice 1, noise + 0.5° skew",
            IB.render_page(dpi=150, skew=0.5, noise=True),
            n1,
            "秘密★1年",
            B.RESIDENT_ID,
        ),
        (
            "notice 2, 12 pt, 150 dpi",
            IB.render_page(IB.NOTICE2, dpi=150, size_pt=12),
            n2,
            "机密★5年",
            B.RESIDENT_ID_X,
        ),
        ("notice 1, 16 pt, 100 dpi", IB.render_page(dpi=100), n1, "秘密★1年", B.RESIDENT_ID),
    ]
    print(
        f"OCR on {os.cpu_count()} cores; notices of {len(n1)} and {len(n2)} characters; "
        "recall = matched characters / characters"
    )
    cfg = Config(use_classifier=False)
    if ocr.available():
        for label, page, truth, marking, pid in variants:
            data = IB.to_bytes(page)
            times: list[float] = []
            report = None
            for _ in range(pages):
                start = time.perf_counter()
                report = scan_bytes(data, "scan.png", cfg)
                times.append(time.perf_counter() - start)
            assert report is not None
            doc = extract_bytes(data, "scan.png", LIMITS)
            got = "".join(s.text for s in doc.segments if s.location.part == "ocr")
            found = {(f.rule, f.text) for f in report.findings}
            mark = ("marking.secret_level", marking) in found
            ident = ("pii.resident_id", pid) in found
            print(
                f"  rapidocr  {label:28} recall {recall(truth, got):.3f}  marking found {mark!s:5}  "
                f"ID found {ident!s:5}  {1 / (sum(times) / len(times)):.2f} pages/s (whole scan)"
            )
    else:
        print("  rapidocr: not installed (pip install 'secreview[ocr]')")
    if shutil.which("tesseract") is None:
        print("  tesseract: not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
        return
    import subprocess
    import tempfile

    for label, page, truth, marking, pid in variants:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "p.png"
            page.save(src)
            start = time.perf_counter()
            for _ in range(pages):
                out = subprocess.run(
                    ["tesseract", str(src), "-", "-l", "chi_sim"], capture_output=True, check=True
                ).stdout.decode("utf-8", "replace")
            per = (time.perf_counter() - start) / pages
        got = "".join(out.split())
        print(
            f"  tesseract {label:28} recall {recall(truth, got):.3f}  marking found "
            f"{marking in got!s:5}  ID found {pid in got!s:5}  {1 / per:.2f} pages/s (OCR only)"
        )


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds (all threads of this process) of ``fn``."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return sorted(times)[len(times) // 2]


def docx_picture_bench(repeat: int) -> None:
    """CPU time a picture adds to a DOCX scan (OCR of pictures placed in documents), and our
    OCR of a small picture (padded to the detector's size) against RapidOCR called directly."""
    if IB.font_path() is None or not ocr.available():
        print("DOCX pictures: skipped (needs a CJK font and the OCR extra)")
        return
    import docx
    import numpy as np
    from PIL import Image

    cfg = Config(use_classifier=False)

    def docx_with(picture: bytes | None) -> bytes:
        d = docx.Document()
        for line in IB.NOTICE[1:4]:
            d.add_paragraph(line)
        if picture is not None:
            d.add_paragraph().add_run().add_picture(io.BytesIO(picture))
        buf = io.BytesIO()
        d.save(buf)
        return buf.getvalue()

    pictures = [
        ("A4 scan, 150 dpi (1240×1754)", IB.to_bytes(IB.render_page(dpi=150))),
        ("A4 scan, 100 dpi (827×1169)", IB.to_bytes(IB.render_page(dpi=100))),
        ("one line, 16 px (秘密★1年)", IB.to_bytes(IB.render_line("秘密★1年"))),
        ("icon 64×64 (read)", IB.to_bytes(Image.new("RGB", (64, 64), (30, 90, 200)))),
        ("bullet 24×24 (decorative: skipped)", IB.to_bytes(Image.new("RGB", (24, 24), "red"))),
    ]
    plain = docx_with(None)
    base = _cpu(lambda: scan_bytes(plain, "a.docx", cfg), repeat)
    print(f"DOCX pictures (CPU s per scan, median of {repeat}; text-only DOCX {base:.3f} s)")
    engine = ocr._engine()
    for label, picture in pictures:
        data = docx_with(picture)
        added = _cpu(lambda data=data: scan_bytes(data, "a.docx", cfg), repeat) - base
        im = Image.open(io.BytesIO(picture)).convert("RGB")
        direct = _cpu(lambda im=im: engine(np.asarray(im)), repeat)
        print(
            f"  {label:34} +{added:6.3f} s per picture   "
            f"RapidOCR alone {direct:6.3f} s   ratio {added / direct if direct else 0:5.2f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--ocr-pages", type=int, default=3)
    args = ap.parse_args()
    formats(args.seconds)
    ocr_bench(args.ocr_pages)
    docx_picture_bench(args.ocr_pages)


if __name__ == "__main__":
    main()

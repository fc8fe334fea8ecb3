"""Rules engine throughput on ~10 MB of synthetic Chinese text (sentences composed here).

Prints MB/s (UTF-8 bytes of the original text) for:
  - normalization (ScanContext.normalized), which every check shares;
  - the keyword pass alone (one Aho-Corasick automaton over a document) with 1,000 and
    20,000 synthetic keywords, with pyahocorasick on the same keywords for contrast;
  - the PII pass: RulesCheck with only the shipped personal_info rules (one digit-run pass
    per document, regexes + validators in windows around the runs);
  - the whole RulesCheck (shipped packs + the synthetic keyword rules) on pre-normalized text;
  - the shipped packs on published text read from ../shared/data at bench time (if present);
  - a `re` alternation of the same keywords on 1 MB, for contrast.
Documents are 200 paragraphs (~100 KB) each, as a long report would be.

Run: PYTHONPATH=src python bench/bench_rules.py [--mb 10]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import ahocorasick

from secreview.checks import ScanContext
from secreview.model import Document, Location, Segment
from secreview.normalize import Normalized, normalize
from secreview.rules import RulesCheck, load_ruleset
from secreview.rules.keywords import KeywordMatcher
from secreview.rules.model import Rule, RuleSet
from secreview.rules.validators import id_check_char

REPO = Path(__file__).resolve().parent.parent
DOC_PARAGRAPHS = 200

SUBJECTS = ["区政府", "市财政局", "各乡镇人民政府", "街道办事处", "区住建局", "县教育局", "卫健委"]
VERBS = ["认真贯彻落实", "深入推进", "进一步完善", "统筹做好", "扎实开展", "持续加强", "全面梳理"]
OBJECTS = [
    "政务公开工作要点",
    "重点项目建设",
    "城乡低保资金发放",
    "安全生产大检查",
    "营商环境优化",
    "老旧小区改造",
    "防汛抗旱准备",
    "基层医疗服务",
    "义务教育均衡发展",
    "农村人居环境整治",
]
TAILS = [
    "，取得明显成效。",
    "，确保各项任务按期完成。",
    "，群众满意度稳步提升。",
    "，全年完成投资{n}亿元。",
    "，共受理申请{n}件，办结率100%。",
    "，同比增长{n}个百分点。",
]


def make_text(target_bytes: int, seed: int = 7) -> list[str]:
    """Paragraphs of ~150–300 characters; every 20th carries an office phone, every 40th an ID
    number, every 55th a mobile number (digit runs are rare in real published text)."""
    rng = random.Random(seed)
    paras: list[str] = []
    size = 0
    k = 0
    while size < target_bytes:
        sentences = []
        for _ in range(rng.randint(4, 8)):
            tail = rng.choice(TAILS).format(n=rng.randint(1, 99999))
            sentences.append(rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS) + tail)
        k += 1
        if k % 20 == 0:
            sentences.append(f"咨询电话：0632-66{rng.randint(0, 99999):05d}。")
        if k % 40 == 0:
            first17 = f"370402{rng.randint(1950, 2000)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
            first17 += f"{rng.randint(0, 999):03d}"
            sentences.append(f"申请人身份证号{first17}{id_check_char(first17)}。")
        if k % 55 == 0:
            sentences.append(f"联系人手机1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}。")
        p = "".join(sentences)
        paras.append(p)
        size += len(p.encode("utf-8"))
    return paras


def synthetic_keywords(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 6))))
    return sorted(out)


def keyword_rules(words: list[str]) -> list[Rule]:
    return [
        Rule(
            id=f"bench.k{i // 50}",
            category="work_secret",
            severity="review",
            reason="bench",
            basis=None,
            kind="keywords",
            file="<bench>",
            line=1,
            keywords=tuple(words[i : i + 50]),
        )
        for i in range(0, len(words), 50)
    ]


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / 1e6 / seconds


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


class Corpus:
    """Documents of DOC_PARAGRAPHS paragraphs, normalized once up front."""

    def __init__(self, paras: list[str]) -> None:
        self.nbytes = sum(len(p.encode("utf-8")) for p in paras)
        t = time.perf_counter()
        norms = [normalize(p) for p in paras]
        self.normalize_seconds = time.perf_counter() - t
        self.docs: list[tuple[Document, list[Normalized]]] = []
        for lo in range(0, len(paras), DOC_PARAGRAPHS):
            chunk = paras[lo : lo + DOC_PARAGRAPHS]
            segs = [Segment(p, Location(part="body", paragraph=j + 1)) for j, p in enumerate(chunk)]
            self.docs.append((Document("bench", "txt", segs), norms[lo : lo + DOC_PARAGRAPHS]))
        self.joined = ["\x00".join(n.text for n in norm) for _doc, norm in self.docs]

    def run(self, check: RulesCheck) -> tuple[float, int]:
        count = 0
        t = time.perf_counter()
        for doc, norms in self.docs:
            ctx = ScanContext(doc)
            ctx._norm = dict(enumerate(norms))  # pre-normalized: measure the rules alone
            count += len(check.run(doc, ctx))
        return mbps(self.nbytes, time.perf_counter() - t), count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=10.0)
    args = ap.parse_args()
    corpus = Corpus(make_text(int(args.mb * 1e6)))
    nb = corpus.nbytes
    print(f"synthetic text: {nb / 1e6:.1f} MB UTF-8 in {len(corpus.docs)} documents")
    print(f"normalize:                          {mbps(nb, corpus.normalize_seconds):7.1f} MB/s")

    shipped = load_ruleset([REPO / "rules"])
    pii_only = RuleSet(tuple(r for r in shipped.rules if r.id.startswith("pii.")), shipped.allow)
    speed, n_found = corpus.run(RulesCheck(pii_only))
    print(f"PII pass (digit runs + validators):  {speed:7.1f} MB/s  ({n_found} findings)")

    for n in (1_000, 20_000):
        words = synthetic_keywords(n)
        rules = keyword_rules(words)
        matcher = KeywordMatcher(rules, shipped.allow)

        def kw_pass(m: KeywordMatcher = matcher) -> None:
            for text in corpus.joined:
                for _ in m.iter(text):
                    pass

        print(f"keyword pass, {n:>6} keywords:     {mbps(nb, timed(kw_pass)):7.1f} MB/s")
        pyac = ahocorasick.Automaton()
        for w in words:
            pyac.add_word(w, len(w))
        pyac.make_automaton()
        tenth = corpus.joined[: max(1, len(corpus.joined) // 10)]
        tenth_bytes = sum(len(t.encode("utf-8")) for t in tenth)

        def pyac_pass(a: ahocorasick.Automaton = pyac, part: list[str] = tenth) -> None:
            for text in part:
                for _ in a.iter(text):
                    pass

        print(
            f"  pyahocorasick, same keywords:     {mbps(tenth_bytes, timed(pyac_pass)):7.1f} MB/s"
            " (on a tenth of the text)"
        )
        check = RulesCheck(RuleSet(tuple(shipped.rules) + tuple(rules), shipped.allow))
        speed, n_found = corpus.run(check)
        print(f"RulesCheck, packs + {n:>6} keywords: {speed:7.1f} MB/s  ({n_found} findings)")

    shared = Path(os.environ.get("SECREVIEW_SHARED", REPO.parent / "shared")) / "data"
    real: list[str] = []
    for name in ("gov-work-reports/gov_work_reports.jsonl", "lawrefbook/lawrefbook.jsonl"):
        if (shared / name).exists():
            with (shared / name).open(encoding="utf-8") as fh:
                for line in fh:
                    real.extend(p for p in json.loads(line)["text"].split("\n") if p.strip())
    if real:
        pub = Corpus(real[:40_000])
        print(f"published text (../shared/data, read now): {pub.nbytes / 1e6:.1f} MB")
        print(
            f"  normalize:                        {mbps(pub.nbytes, pub.normalize_seconds):7.1f} MB/s"
        )
        speed, _ = pub.run(RulesCheck(pii_only))
        print(f"  PII pass:                         {speed:7.1f} MB/s")
        speed, n_found = pub.run(RulesCheck(shipped))
        print(f"  RulesCheck, shipped packs:        {speed:7.1f} MB/s  ({n_found} findings)")

    sample, size = [], 0
    for text in corpus.joined:
        sample.append(text)
        size += len(text.encode("utf-8"))
        if size >= 1_000_000:
            break
    for n in (1_000, 20_000):
        alt = re.compile("|".join(map(re.escape, synthetic_keywords(n))))

        def re_pass(a: re.Pattern[str] = alt) -> None:
            for text in sample:
                for _ in a.finditer(text):
                    pass

        print(f"re alternation, {n:>6} keywords:   {mbps(size, timed(re_pass)):7.1f} MB/s (1 MB)")


if __name__ == "__main__":
    main()

"""The rules pass's shortcuts change no finding (issue 17).

``RulesCheck`` skips work it can prove is fruitless: segments no rule can hit, rules whose gate
words or digit runs are absent, digit-run windows too short for a rule's narrowest match,
rules limited to parts (``parts = ["table", …]``) a segment is not in, allow patterns that
cover none of the rules that hit. ``RulesCheck(exhaustive=True)`` does none of that: every
rule and allow pattern over every segment's whole text. Both must give the same findings on
the examples, on every example string of the shipped rule packs (as lines, as table rows, in
TXT/DOCX/PDF/HTML), on the labelled corpus, and on samples of ../shared/data with generated
identifiers mixed in.
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from secreview.checks import ScanContext
from secreview.config import Config
from secreview.extract import extract_bytes
from secreview.rules import load_ruleset
from secreview.rules.engine import RulesCheck
from tests.helpers.formats import document_variants, table_variants
from tests.helpers.xlsx_builder import id_check_digit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
LIMITS = Config().limits
RULESET = load_ruleset([ROOT / "rules"])
FAST = RulesCheck(RULESET)
PLAIN = RulesCheck(RULESET, exhaustive=True)


def findings(check: RulesCheck, data: bytes, name: str) -> list[dict[str, Any]]:
    doc = extract_bytes(data, name, LIMITS)
    return [f.to_dict() for f in check.run(doc, ScanContext(doc))]


def same(data: bytes, name: str) -> list[dict[str, Any]]:
    fast = findings(FAST, data, name)
    assert fast == findings(PLAIN, data, name), name
    return fast


def pack_examples() -> list[str]:
    out: list[str] = []
    for item in [*RULESET.rules, *RULESET.allow]:
        out += [*item.examples_match, *item.examples_no_match]
    return [s for s in out if s.strip()]


def identifiers(rnd: random.Random, n: int) -> list[str]:
    """Resident IDs (valid and not), mobiles, landlines and card-like runs, as drafters type them."""
    out: list[str] = []
    for _ in range(n):
        body = f"{rnd.choice(['110105', '370402', '440304'])}19{rnd.randint(50, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}{rnd.randint(100, 999)}"
        good = body + id_check_digit(body)
        mobile = f"1{rnd.choice('3456789')}{rnd.randint(100000000, 999999999)}"
        out += [
            f"身份证号：{good}",
            f"证件号码 {good[:6]} {good[6:14]} {good[14:]}",
            f"号码{body}{'0' if good[-1] != '0' else '1'}",
            f"联系人手机{mobile}",
            f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}",
            f"住宅电话：0632-{rnd.randint(6000000, 6999999)}",
            f"联系电话：0632-{rnd.randint(6000000, 6999999)}",
            f"卡号 6222 {rnd.randint(1000, 9999)} {rnd.randint(1000, 9999)} {rnd.randint(1000, 9999)}",
            f"{good[:6]}********{good[-4:]}",
        ]
    return out


def test_the_examples_scan_the_same() -> None:
    files = [p for p in sorted((ROOT / "examples").rglob("*")) if p.is_file()]
    assert len(files) >= 7
    total = 0
    for path in files:
        total += len(same(path.read_bytes(), path.name))
    assert total > 0  # the examples do hold findings: the comparison is not of empty lists


def test_rule_pack_examples_scan_the_same_in_every_format() -> None:
    examples = pack_examples()
    rnd = random.Random(17)
    ids = identifiers(rnd, 6)
    lines = ["规则示例汇编", *examples, *ids]
    rows = ["姓名\t身份证号\t家庭住址\t联系电话\t备注"]
    for k, text in enumerate(examples + ids):
        rows.append(f"张{'三四五六'[k % 4]}\t{ids[k % len(ids)]}\t{text}\t0632-66{k:05d}\t{text}")
    total = 0
    for variant, data in document_variants("\n".join(lines)).items():
        total += len(same(data, f"示例.{variant.split('-')[0]}"))
    for variant, data in table_variants("\n".join(["名单", *rows])).items():
        total += len(same(data, f"名单.{variant}"))
    out = io.StringIO()
    csv.writer(out).writerows(r.split("\t") for r in rows)
    total += len(same(out.getvalue().encode("utf-8"), "名单.csv"))
    assert total > len(examples) // 2


def test_the_corpus_scans_the_same() -> None:
    texts = []
    for path in sorted((ROOT / "corpus" / "written").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    assert len(texts) > 100
    got = same("\n".join(texts).encode("utf-8"), "corpus.txt")
    assert got


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not here (CI has it)")
def test_shared_data_samples_scan_the_same() -> None:
    rnd = random.Random(2026)
    docs: list[str] = []
    for name in ("bjtcm-notices/bjtcm_notices.jsonl", "tipdm-replies/tipdm_replies.jsonl"):
        path = SHARED / name
        if not path.is_file():
            pytest.skip(f"{name} is not in ../shared/data")
        records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        docs += [f"{r.get('title', '')}\n{r['text']}" for r in rnd.sample(records, 60)]
    sentences: list[str] = []
    for name in ("cluener2020/cluener_train.jsonl", "resume-ner/resume_ner_train_dev.jsonl"):
        path = SHARED / name
        if path.is_file():
            records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
            sentences += [r["text"] for r in rnd.sample(records, 300)]
    ids = identifiers(rnd, 40)
    mixed = [s + rnd.choice(ids) if rnd.random() < 0.3 else s for s in sentences]
    docs.append("\n".join(mixed))
    total = 0
    for k, text in enumerate(docs):
        total += len(same(text.encode("utf-8"), f"shared-{k}.txt"))
    assert total > 0

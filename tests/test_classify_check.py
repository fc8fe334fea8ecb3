"""The shipped model inside scan: fresh paragraphs flagged with the right class, public left alone."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from secreview.checks import ScanContext
from secreview.classify.check import ClassifierCheck, model_hash
from secreview.cli import main
from secreview.config import Config
from secreview.model import Document, Location, Segment, Span
from secreview.pipeline import default_checks, scan_bytes, scan_file
from tests.conftest import REPO, shared_file

MODEL_DIR = REPO / "models" / "default"

# Written for these tests; not in corpus/ (one or more per class).
FRESH = [
    (
        "internal_affairs",
        "局党组书记主持召开会议，对三名拟任科级干部人选进行酝酿，考察组汇报了民主推荐得票情况，"
        "王某某得票最高，会议同意将其列为考察对象。",
    ),
    (
        "internal_affairs",
        "机关食堂承包合同将于六月到期，办公室建议续签原承包商，伙食费标准维持每人每天十五元，"
        "车辆维修改由定点厂家负责，请分管领导审定。",
    ),
    (
        "process_info",
        "对《关于调整城区停车收费标准的方案》，交通局与发改委意见不一致：交通局主张高峰时段加价，"
        "发改委认为应先开展听证，本稿尚在修改中，请各位委员提出意见后再报政府常务会议研究。",
    ),
    (
        "process_info",
        "县政府：我局拟申请追加乡村道路养护资金八百万元，因年初预算安排不足，部分路段已出现塌陷，"
        "妥否，请批示。",
    ),
    (
        "enforcement_case",
        "据群众匿名举报，某建材公司夜间偷排废水，执法大队于三月五日进行突击检查，现场制作了检查笔录"
        "并提取水样，当事人拒绝签字，下一步拟立案调查。",
    ),
    (
        "personal_info",
        "张某，女，1978年生，住某街道幸福里小区5栋2单元，患有乳腺癌正在化疗，家庭年收入不足两万元，"
        "其儿子在外地务工，申请临时救助。",
    ),
    (
        "state_secret",
        "本次联合演练参演兵力共两个营，集结地域位于某山区，导弹发射阵地坐标及行动时间表见附件，"
        "严禁对外泄露。",
    ),
    (
        "state_secret",
        "明年中考数学试卷已命题完毕，共二十五道题，压轴题考查二次函数与几何综合，印刷前由命题组封存。",
    ),
]

PUBLIC = [
    "本局2023年部门决算已经区人大常委会批准，现予公开。一般公共预算财政拨款支出合计1250万元，"
    "比上年减少3%，主要是压减了会议费和差旅费。",
    "为进一步做好保密审查工作，我局建立了信息发布前保密审查制度，坚持先审查、后公开，"
    "全年未发生失泄密事件。",
    "市民可通过12345热线反映城市管理问题，热线工作时间为全天二十四小时，受理后三个工作日内答复。",
]

ZH = {
    "internal_affairs": "内部事务信息",
    "process_info": "过程性信息",
    "enforcement_case": "行政执法案卷信息",
    "personal_info": "个人信息",
    "state_secret": "国家秘密类内容",
}


@pytest.fixture(scope="module")
def cfg() -> Config:
    assert (MODEL_DIR / "manifest.json").is_file(), "the shipped model models/default is missing"
    return replace(Config(), model_dir=MODEL_DIR)


def _doc(*texts: str) -> Document:
    segs = [Segment(t, Location("body", paragraph=i)) for i, t in enumerate(texts, 1)]
    return Document("t.txt", "txt", segs)


@pytest.mark.parametrize(
    ("label", "text"), FRESH, ids=[f"{k}-{i}" for i, (k, _) in enumerate(FRESH)]
)
def test_fresh_paragraph_is_flagged_with_its_class(label: str, text: str, cfg: Config) -> None:
    doc = _doc(text)
    ctx = ScanContext(doc)
    findings = ClassifierCheck(MODEL_DIR).run(doc, ctx)
    assert [f.category for f in findings][:1] == [label]
    f = findings[0]
    assert f.source == "classifier" and f.severity == "review" and f.rule == f"classifier.{label}"
    assert ZH[label] in f.reason and "主要依据词：" in f.reason
    assert f.extra["terms"] and all(term in f.reason for term in f.extra["terms"])
    assert f.extra["score"] >= f.extra["threshold"]
    assert ctx.summary["classifier"]["label"] == label


@pytest.mark.parametrize("text", PUBLIC)
def test_public_paragraph_is_not_flagged(text: str, cfg: Config) -> None:
    doc = _doc(text)
    ctx = ScanContext(doc)
    assert ClassifierCheck(MODEL_DIR).run(doc, ctx) == []
    assert ctx.summary["classifier"]["label"] == "public"


def test_fresh_paragraphs_are_not_in_the_corpus() -> None:
    texts = set()
    for path in (REPO / "corpus").glob("written/*.jsonl"):
        texts |= {json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line}
    assert not texts & ({t for _, t in FRESH} | set(PUBLIC))


def test_short_segments_and_metadata_are_not_scored(cfg: Config) -> None:
    text = FRESH[0][1]
    doc = Document(
        "t.docx",
        "docx",
        [
            Segment(text, Location("metadata", field="title")),
            Segment("拟提拔考察对象", Location("body", paragraph=1)),
        ],
    )
    ctx = ScanContext(doc)
    assert ClassifierCheck(MODEL_DIR).run(doc, ctx) == []
    assert "classifier" not in ctx.summary


def test_table_row_is_scored_and_located_at_its_cell(cfg: Config) -> None:
    cells = ["举报人", "乙某，某小区3栋，反映某公司夜间偷排废水，已登记为案件线索，拟立案调查"]
    text = "\t".join(cells)
    spans = (
        Span(0, 3, Location("table", row=2, col=1, cell="A2")),
        Span(4, len(text), Location("table", row=2, col=2, cell="B2")),
    )
    doc = Document("t.xlsx", "xlsx", [Segment(text, Location("table", row=2), spans)])
    findings = ClassifierCheck(MODEL_DIR).run(doc, ScanContext(doc))
    assert [f.category for f in findings] == ["enforcement_case"]
    assert findings[0].location.part == "table" and findings[0].location.row == 2


def test_report_carries_the_classifier_summary(cfg: Config) -> None:
    data = "\n".join([PUBLIC[0], FRESH[4][1], "联系人：办公室"]).encode()
    report = scan_bytes(data, "mixed.txt", cfg)
    assert report.verdict == "review"
    assert report.classifier is not None
    assert report.classifier["label"] == "enforcement_case"
    assert report.classifier["paragraphs"] == 2
    assert report.classifier["model"] == model_hash(cfg)[:16]  # type: ignore[index]


def test_model_hash_is_the_manifest_sha256(cfg: Config) -> None:
    want = hashlib.sha256((MODEL_DIR / "manifest.json").read_bytes()).hexdigest()
    assert model_hash(cfg) == want
    assert model_hash(replace(cfg, use_classifier=False)) is None


def test_classifier_is_appended_only_when_enabled_and_present(cfg: Config, tmp_path: Path) -> None:
    names = [c.name for c in default_checks(cfg)]
    assert names[-1] == "classifier"
    assert "classifier" not in [c.name for c in default_checks(replace(cfg, use_classifier=False))]
    assert "classifier" not in [c.name for c in default_checks(replace(cfg, model_dir=tmp_path))]


def test_seed_report_passes_with_the_classifier(cfg: Config) -> None:
    seed = shared_file("seed", "taierzhuang-2017-annual-report.txt")
    report = scan_file(seed, cfg)
    assert report.verdict == "pass", [f.to_dict() for f in report.findings]
    assert report.classifier is not None and report.classifier["label"] == "public"
    assert report.classifier["paragraphs"] > 10


def test_scan_cli_json_has_classifier_findings(tmp_path: Path, runner: object) -> None:
    doc = tmp_path / "纪要.txt"
    doc.write_text(FRESH[2][1] + "\n", "utf-8")
    result = runner.invoke(  # type: ignore[attr-defined]
        main, ["--model", str(MODEL_DIR), "scan", str(doc), "--format", "json"]
    )
    assert result.exit_code == 1
    (rep,) = json.loads(result.stdout)
    assert rep["classifier"]["label"] == "process_info"
    (f,) = rep["findings"]
    assert f["source"] == "classifier" and f["category"] == "process_info"
    assert f["location"] == {"part": "body", "paragraph": 1}


def test_scan_never_imports_scikit_learn(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text(FRESH[0][1] + "\n", "utf-8")
    code = (
        "import sys\n"
        "from dataclasses import replace\n"
        "from secreview.config import Config\n"
        "from secreview.pipeline import scan_file\n"
        f"r = scan_file({str(doc)!r}, replace(Config(), model_dir=__import__('pathlib').Path({str(MODEL_DIR)!r})))\n"
        "assert r.verdict == 'review', r\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"

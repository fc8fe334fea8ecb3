"""The document's own 文号 (checks/docnumber.py), recorded at submit and printed in every
format of the 台账 (issue 18: the 文号 column was empty)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.checks.docnumber import DocNumberProbe, number_in, own_number
from secreview.config import Config
from secreview.pipeline import default_checks, scan_bytes
from tests.helpers import docx_builder, pdf_builder
from tests.helpers.ledger import cli, cli_json


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("示政发〔2026〕7号", "示政发〔2026〕7号"),
        ("  示政发 〔 2026 〕 7 号  ", "示政发〔2026〕7号"),
        ("示政发[2026]7号", "示政发[2026]7号"),
        ("示政发［2026］7号", "示政发［2026］7号"),
        ("示政发【2026】7号", "示政发【2026】7号"),
        ("示政发（2026）7号", "示政发（2026）7号"),
        ("示政发〔2026〕第7号", "示政发〔2026〕第7号"),
        ("示政发〔2026〕007号", "示政发〔2026〕007号"),
        ("示政发〔2026〕7号        签发人：张三", "示政发〔2026〕7号"),
        ("文号：示政发〔2026〕7号", "示政发〔2026〕7号"),
        ("发文字号: 示政发〔2026〕7号", "示政发〔2026〕7号"),
        ("根据《通知》（枣政办发〔2017〕16号）要求", None),  # cited: another document's
        ("示政发〔2026〕", None),
        ("示政发〔26〕7号", None),
    ],
)
def test_own_number_lines(line: str, expected: str | None) -> None:
    assert own_number(line) == expected


def probe(data: bytes, name: str) -> str | None:
    config = Config(use_classifier=False)
    p = DocNumberProbe()
    scan_bytes(data, name, config, [*default_checks(config), p])
    return p.found


def _docx(paragraphs: list[str], subject: str | None = None, header: str | None = None) -> bytes:
    d = docx_builder.new_document()
    for text in paragraphs:
        d.add_paragraph(text)
    if subject:
        d.core_properties.subject = subject
    if header:
        d.sections[0].header.paragraphs[0].text = header
    return docx_builder.to_bytes(d)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "a.txt",
            "示例县人民政府文件\n示政发〔2026〕7号\n关于…的通知\n".encode(),
            "示政发〔2026〕7号",
        ),
        (
            "b.pdf",
            pdf_builder.head_lines_pdf(["示例县人民政府文件", "示政发〔2026〕8号"]),
            "示政发〔2026〕8号",
        ),
        ("c.docx", _docx(["示例县人民政府文件", "示政发〔2026〕9号", "正文"]), "示政发〔2026〕9号"),
        ("d.docx", _docx(["正文"], header="示政发〔2026〕10号"), "示政发〔2026〕10号"),
        ("e.docx", _docx(["关于植树的通知"], subject="示政发〔2026〕11号"), "示政发〔2026〕11号"),
        (
            "f.txt",
            "年度报告\n根据《关于印发要点的通知》（枣政办发〔2017〕16号），现报告如下。\n".encode(),
            None,
        ),
        (
            "g.html",
            "<html><body><p>示政发〔2026〕12号</p><p>正文</p></body></html>".encode(),
            "示政发〔2026〕12号",
        ),
    ],
)
def test_probe_finds_the_documents_own_number(name: str, data: bytes, expected: str | None) -> None:
    assert probe(data, name) == expected


def test_number_in_title_or_file_name() -> None:
    assert number_in("关于开展植树活动的通知（示林办发〔2026〕7号）") == "示林办发〔2026〕7号"
    assert number_in("示林办发[2026]7号-植树通知") == "示林办发[2026]7号"
    assert number_in("植树通知") is None and number_in(None) is None


def test_doc_number_from_the_title_or_the_file_name_reaches_the_audit(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    body = "关于开展春季植树活动的通知\n各科室：定于三月十二日在北山组织植树。\n"
    a = tmp_path / "通知.txt"
    a.write_text(body, encoding="utf-8")
    b = tmp_path / "示林办发〔2026〕8号.txt"
    b.write_text(body.replace("三月十二日", "三月十五日"), encoding="utf-8")
    first = cli_json(
        runner, office, "张三", "submit", str(a), "--title", "植树通知（示林办发〔2026〕7号）",
        "--dept", "办公室",
    )  # fmt: skip
    second = cli_json(
        runner, office, "张三", "submit", str(b), "--title", "植树通知二", "--dept", "办公室"
    )
    assert first["doc_number"] == "示林办发〔2026〕7号"
    assert second["doc_number"] == "示林办发〔2026〕8号"
    out = tmp_path / "台账.html"
    assert cli(runner, office, "孙审计", "audit", "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "<td>示林办发〔2026〕7号</td>" in html and "<td>示林办发〔2026〕8号</td>" in html

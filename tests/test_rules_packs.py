"""The shipped rule packs: every rule's own examples, allow-lists, marking traps, masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from secreview.checks import ScanContext
from secreview.rules import RulesCheck, load_ruleset
from secreview.rules.selftest import MIN_EXAMPLES, allow_matches, example_part, one_segment_doc

SHIPPED = Path(__file__).resolve().parent.parent / "rules"
RULESET = load_ruleset([SHIPPED])
CHECK = RulesCheck(RULESET)


def findings(text: str, part: str = "body"):
    doc = one_segment_doc(text, part)
    return CHECK.run(doc, ScanContext(doc))


def fired(text: str, part: str = "body") -> set[str]:
    return {f.rule for f in findings(text, part)}


def _cases():
    for r in RULESET.rules:
        for ex in r.examples_match:
            yield pytest.param(r.id, ex, True, id=f"{r.id}+{ex[:12]}")
        for ex in r.examples_no_match:
            yield pytest.param(r.id, ex, False, id=f"{r.id}-{ex[:12]}")
    for a in RULESET.allow:
        for ex in a.examples_match:
            yield pytest.param(a.id, ex, True, id=f"{a.id}+{ex[:12]}")
        for ex in a.examples_no_match:
            yield pytest.param(a.id, ex, False, id=f"{a.id}-{ex[:12]}")


@pytest.mark.parametrize(("rule_id", "example", "should_match"), list(_cases()))
def test_shipped_rule_examples(rule_id: str, example: str, should_match: bool) -> None:
    allow = {a.id: a for a in RULESET.allow}
    if rule_id in allow:
        assert allow_matches(allow[rule_id], example) is should_match
    else:
        got = fired(example, example_part(RULESET.rule(rule_id)))
        assert (rule_id in got or f"{rule_id}.bulk" in got) is should_match, got


def test_every_rule_has_enough_examples() -> None:
    for item in (*RULESET.rules, *RULESET.allow):
        assert len(item.examples_match) >= MIN_EXAMPLES, item.id
        assert len(item.examples_no_match) >= MIN_EXAMPLES, item.id


def test_pack_sizes() -> None:
    ids = [r.id for r in RULESET.rules]
    assert len(ids) == len(set(ids))
    assert {"marking.secret_level", "pii.resident_id", "allow.review_process"} <= set(
        ids + [a.id for a in RULESET.allow]
    )


@pytest.mark.parametrize(
    "text",
    [
        "确保涉密信息不公开，公开信息不涉密",
        "秘密",
        "严格执行信息公开保密审查制度，未发现涉密信息",
        "依据《中华人民共和国保守国家秘密法》，国家秘密的密级分为绝密、机密、秘密三级",
        "依申请公开答复中，属于国家秘密 0件，不予公开 2件",
        "县保密局开展保密宣传教育月活动",
        "我局将对举报人信息予以保密，举报电话：0632-6611582",
        "干部任前公示：张某，男，拟提拔为副局长，公示期5个工作日",
        "枣政办发〔2017〕16号",
        "邮编：277400；电话：0632-6611582",
        "咨询电话：12345",
    ],
)
def test_benign_texts_raise_nothing_above_info(text: str) -> None:
    assert [f for f in findings(text) if f.severity != "info"] == []


@pytest.mark.parametrize(
    ("text", "original", "normalized"),
    [
        ("秘密★１年", "秘密★１年", "秘密★1年"),
        ("机密☆10年 枣庄市", "机密☆10年", "机密★10年"),  # star variants fold to ★
        ("機密✭10年 枣庄市", "機密✭10年", "机密★10年"),  # and traditional characters
        ("绝 密 ★ 长 期", "绝 密 ★ 长 期", "绝密★长期"),
        ("秘密＊６个月", "秘密＊６个月", "秘密*6个月"),
        ("本页 秘\u200b密★ 正文", "秘\u200b密★", "秘密★"),
    ],
)
def test_marking_variants_found(text: str, original: str, normalized: str) -> None:
    got = [f for f in findings(text) if f.rule == "marking.secret_level"]
    assert len(got) == 1
    # the finding shows the ORIGINAL text; the reason quotes the normalized marking
    assert got[0].text == original
    assert f"「{normalized}」" in got[0].reason
    assert got[0].severity == "block" and got[0].category == "state_secret"


def test_allow_list_neutralises_only_overlapping_hits() -> None:
    # "工作秘密" alone is a mark; inside the law title it is neutralised by allow.law_citation.
    assert "marking.work_secret" in fired("工作秘密")
    assert "marking.work_secret" not in fired("《工作秘密管理暂行办法》")
    # the allow phrase elsewhere in the line does not hide a real marking
    assert "marking.secret_level" in fired("保密审查 秘密★1年")


def test_allow_scope_is_respected() -> None:
    # allow.office_contact covers personal_info only: a mobile after 联系电话 stays flagged
    assert "pii.mobile" in fired("联系电话：13812345678")
    # a USCC is not a bank card or an ID, and no personal-info finding at all
    assert not [
        f for f in findings("统一社会信用代码 91110000600037341L") if f.category == "personal_info"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "身份证号 370402********123X",
        "手机 138****5678",
        "卡号 6222********0009",
        "35*************123",
    ],
)
def test_masked_numbers_are_compliant(text: str) -> None:
    assert findings(text) == []


def test_badly_masked_id_is_review_saying_what_is_exposed() -> None:
    got = findings("身份证号 37040219******123X")
    assert [(f.rule, f.severity) for f in got] == [("pii.masked_id_nonstandard", "review")]
    assert "出生日期" in got[0].reason and "部分可见" in got[0].reason
    got = findings("身份证号 44052419800101****")
    assert "出生日期（第7–14位）完整可见" in got[0].reason


def test_probable_id_needs_context() -> None:
    assert "pii.resident_id_probable" in fired("身份证号：110105194912310021")
    assert fired("合同编号 110105194912310021") == set()
    got = [f for f in findings("证件号码 110105194912310021") if f.rule.startswith("pii.")]
    assert [(f.rule, f.severity) for f in got] == [("pii.resident_id_probable", "review")]


def test_postcode_is_not_copy_number() -> None:
    assert "marking.copy_number" in fired("000123")
    assert fired("邮编 277400") == set()
    assert fired("277400 邮编") == set()

"""classify/genre.py: the genre a document's head names — and the heads that name none."""

from __future__ import annotations

import pytest

from secreview.classify import NON_PUBLIC
from secreview.classify.genre import BY_ID, GENRES, detect


@pytest.mark.parametrize(
    ("head", "genre"),
    [
        (["南山区2023年政府信息公开工作年度报告"], "annual_report"),
        (["某县人民政府办公室", "2024年政务公开工作年度报告"], "annual_report"),
        (["某市2024年国民经济和社会发展统计公报", "某市统计局"], "statistics"),
        (["某县第四次全国经济普查主要数据公报（第一号）"], "statistics"),
        (["某县城区道路改造工程中标结果公告"], "award"),
        (["某县某项目中标候选人公示"], "award"),
        (["某区市场监督管理局行政处罚决定书", "某市监处罚〔2024〕3号"], "penalty"),
        (["某县纪委监委通报3起违反中央八项规定精神典型问题"], "bulletin"),
        (["某市市管干部任前公示"], "appointment_notice"),
        (["关于考察对象的预告"], "appointment_notice"),
        (["某县2024年公开招聘教师拟聘用人员公示"], "hiring_notice"),
        (["某街道2024年第二季度低保新增对象公示"], "list_notice"),
        (["某区人民政府关于王某等同志职务任免的通知"], "personnel"),
        (["某县城区计划停水通知"], "outage"),
        (["某市气象台暴雨橙色预警信号"], "warning"),
        (["企业开办一件事办事指南"], "guide"),
        (["12345热线常见问题解答（第二期）"], "guide"),
        (["某局2024年部门预算公开说明"], "budget"),
        (["《某某管理办法》政策解读"], "interpretation"),
        (["关于《某某办法（征求意见稿）》的起草说明"], "consultation"),
        (["网友“A001”您好！您的留言已收悉。现将有关情况回复如下：经核实……"], "reply"),
        (["# 某某市物业管理条例", "2020年5月1日通过", "## 第一章 总则"], "law"),
        (["某某人民法院关于审理某类案件若干问题的解释", "一、为正确审理……"], "law"),
    ],
)
def test_head_names_its_genre(head: list[str], genre: str) -> None:
    found = detect(head)
    assert found is not None and found.id == genre, found


@pytest.mark.parametrize(
    "head",
    [
        ["关于王某任前公示期间有关反映问题的请示"],  # a request to a superior
        ["关于某某同志考察情况的报告"],  # an upward report in 公文 form
        ["2024年第3次党组会议纪要", "关于干部任前公示有关事项"],  # any head line decides
        ["内部通报", "关于某某问题的通报"],  # says it is internal
        ["某某管理办法（讨论稿）"],  # a draft
        ["谈话记录"],
        ["某某条例"],  # a law's title alone, without its 第一条/第一章 structure
        ["关于组织开展安全生产大检查的通知"],  # a plain notice: no genre, plain thresholds
        ["县政府常务会议研究了城区停车问题，会议认为当前条件尚不成熟，暂缓实施。"],  # a sentence
    ],
)
def test_internal_or_plain_heads_name_no_genre(head: list[str]) -> None:
    assert detect(head) is None


def test_only_the_first_lines_count() -> None:
    head = ["某局", "某某", "某某", "某某", "某某", "某某", "某县干部任前公示"]
    assert detect(head) is None  # the 7th line is body text, not a title
    found = detect(["某局", "某县干部任前公示"])
    assert found is not None and found.id == "appointment_notice"


def test_genres_are_well_formed() -> None:
    ids = [g.id for g in GENRES]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    for g in GENRES:
        assert g.expected and set(g.expected) <= set(NON_PUBLIC), g.id
        assert g.name


def test_floors_reach_only_paragraphs_of_the_genres_own_kind() -> None:
    from secreview.classify.genre import relaxes

    assert relaxes("statistics", "全年粮食总产量23.7万吨，比上年增长1.4%。")
    assert not relaxes("statistics", "市长周四上午到我县检查工作，八点五十从高速西出口下。")
    assert relaxes("outage", "因管道抢修，今日14时起城北片区暂停供水。")
    assert not relaxes("outage", "沿途警卫由县公安局负责，行程仅通知到乡镇主要负责人。")
    assert relaxes("penalty", "任何段落")  # a genre without a paragraph pattern reaches all
    assert not relaxes(None, "全年粮食总产量23.7万吨")

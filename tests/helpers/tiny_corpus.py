"""A tiny labelled corpus written for the classifier tests (fast to train, all six classes).

Paragraphs are built from short templates written for these tests, filled deterministically
with invented departments, names and numbers; nothing is taken from ../shared/data.
"""

from __future__ import annotations

import json
from pathlib import Path

DEPTS = [
    "区教育局",
    "县财政局",
    "市自然资源局",
    "区卫生健康委",
    "县民政局",
    "市交通运输局",
    "区市场监管局",
    "县农业农村局",
    "市生态环境局",
    "区人社局",
    "县水利局",
    "市文旅局",
]
NAMES = [
    "甲某",
    "乙某",
    "丙某",
    "丁某",
    "戊某",
    "己某",
    "庚某",
    "辛某",
    "壬某",
    "癸某",
    "子某",
    "丑某",
]

TEMPLATES: dict[str, list[str]] = {
    "internal_affairs": [
        "经{dept}党组会议研究，拟提拔{name}同志任办公室副主任，考察组已完成民主测评和个别谈话，"
        "测评中优秀票{n}张，请组织部门按程序办理。",
        "{dept}机关后勤保障情况：本季度公务接待{n}批次，公务用车维修费用超出预算，"
        "拟调整办公用房分配方案，内部审计意见尚未反馈。",
        "关于{name}同志年度考核等次的内部说明：考核小组认为其工作作风需改进，"
        "建议暂缓职级晋升，并由分管领导进行谈话提醒。",
    ],
    "process_info": [
        "{dept}专题会议讨论记录：{name}认为方案资金缺口较大应当暂缓实施，另有{n}名同志持保留意见，"
        "会议未形成一致意见，请示上级后再议。",
        "关于调整补助标准的请示（征求意见稿）：经与相关部门多轮磋商，初步意见为提高{n}元，"
        "但财政部门尚未同意，本稿仅供内部讨论，不作为最终决定。",
        "{dept}对该办法送审稿的修改意见：第三条表述存在争议，{name}建议删除，"
        "倾向性意见待主任办公会研究后确定。",
    ],
    "enforcement_case": [
        "{dept}收到实名举报，举报人{name}反映某公司存在违法排污行为，案件线索已登记，"
        "拟于{n}日内开展初步核实，请对举报人信息严格保密。",
        "询问笔录：执法人员出示执法证件后询问当事人{name}，当事人承认未经许可经营，"
        "现场检查笔录及证据材料共{n}页附卷。",
        "{dept}约谈记录：就被举报企业涉嫌虚开发票问题约谈其负责人{name}，企业称将于{n}日内提交说明，"
        "案件审理委员会集体讨论后再作处罚决定。",
    ],
    "personal_info": [
        "低保申请人{name}，家庭住址为某小区{n}号楼，身份证号码及银行账号见附件，"
        "其本人患有慢性病，既往病史及诊断结果由社区核实。",
        "{name}的家庭成员情况：配偶无固定工作，子女{n}人在读，婚姻状况、政治面貌及联系电话"
        "已登记在册，请勿对外提供。",
        "困难群众{name}的就医记录显示其于上月住院{n}天，病历资料和家庭收入证明由{dept}存档。",
    ],
    "state_secret": [
        "{dept}配合驻地部队开展演习保障，部队兵力部署和行军路线按作战方案执行，"
        "参演人数约{n}人，相关内容严格控制知悉范围。",
        "今年招聘考试的试题和参考答案已于{n}日印制完毕，封存于保密室，考前任何人不得接触试卷，"
        "评分标准同时封存。",
        "重要活动警卫任务安排：警卫路线、安保方案和应急预案由{dept}牵头制定，"
        "警力配置{n}人，方案尚未公布。",
    ],
    "public": [
        "{dept}办事指南：申请人可通过政务服务网在线提交申请材料，办理时限为{n}个工作日，"
        "不收取任何费用，咨询电话在门户网站公布。",
        "关于开展{n}年度政府信息公开工作检查的通知：各单位要坚持以公开为常态、不公开为例外，"
        "严格落实保密审查制度，涉密信息不公开。",
        "{dept}政策解读：新修订的补助办法扩大了保障范围，符合条件的群众可向所在街道申请，"
        "补助资金按月发放，预计惠及{n}户家庭。",
    ],
}


def write_tiny_corpus(root: Path, docs_per_class: int = 12) -> Path:
    """Write ``root/written/tiny.jsonl``; returns ``root``."""
    rows = []
    for label, templates in TEMPLATES.items():
        for d in range(docs_per_class):
            dept, name = DEPTS[d % len(DEPTS)], NAMES[(d * 5) % len(NAMES)]
            for p, template in enumerate(templates):
                if (d + p) % 3 == 2:
                    continue
                text = template.format(dept=dept, name=name, n=3 + d * 7 + p)
                rows.append(
                    {
                        "id": f"{label}-{d}-{p}",
                        "doc": f"{label}-{d}",
                        "text": text,
                        "label": label,
                        "origin": "written",
                        "genre": "test",
                        "dept": dept,
                    }
                )
    folder = root / "written"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "tiny.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return root

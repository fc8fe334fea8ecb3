"""Does a document-property value (author, last saved by, manager) name a person?

Shared by the DOCX/XLSX property reader and the PDF Info/XMP reader, so an author field is
judged the same way whatever the format.
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME_RE = re.compile(rf"^[{_CJK}·]{{2,4}}$")
_ORG_SUFFIXES = (
    "公司",
    "中心",
    "政府",
    "局",
    "办",
    "厅",
    "委",
    "室",
    "部",
    "处",
    "科",
    "院",
    "会",
    "所",
    "站",
    "队",
    "组",
    "馆",
    "署",
    "司",
    "校",
    "厂",
    "社",
    "团",
    "股",
    "单位",
    "机关",
    "集团",
    "银行",
)
# 2–4 CJK characters that are roles or placeholders, not people.
_NOT_NAMES = frozenset(
    "管理员 用户 微软用户 作者 未知 匿名 佚名 无名 系统 系统管理员 超级用户 编辑 记者 通讯员 "
    "本机 电脑 计算机 测试 测试用户 深度 深度技术 雨林木风 番茄花园 系统之家 微软中国".split()
)


def looks_like_person_name(value: str) -> bool:
    """True when a property value looks like a person's Chinese name (张三, 欧阳明华).

    2–4 CJK characters (spaces inside ignored), not ending in an organisation suffix
    (局/办/厅/委/室/部/处/科/院/会/公司/中心/政府 …) and not a role word (管理员, 用户).
    Latin placeholders such as "Administrator" or "user" are not names.
    """
    s = re.sub(r"[\s\u3000]+", "", value or "")
    if not _NAME_RE.match(s):
        return False
    if s in _NOT_NAMES:
        return False
    return not s.endswith(_ORG_SUFFIXES)

"""OOXML document properties (docProps/core.xml, app.xml, custom.xml) as metadata residue.

Shared by the Office extractors: ``read_properties`` returns (name, value) pairs worth
scanning, ``metadata_note`` turns them into one ResidueNote — ``info`` for ordinary
properties, ``review`` when an author field holds a person's name.
"""

from __future__ import annotations

import re
import zipfile

from secreview.config import Limits
from secreview.extract.safezip import parse_xml, read_member
from secreview.model import Location, ResidueNote, Segment

# core.xml local names worth scanning → the property name we report.
_CORE_FIELDS = {
    "creator": "creator",
    "lastModifiedBy": "lastModifiedBy",
    "title": "title",
    "subject": "subject",
    "keywords": "keywords",
    "description": "description",
    "category": "category",
    "contentStatus": "contentStatus",
}
# Kept in Document.metadata only (dates and counters carry no text to scan).
_CORE_PLAIN = ("created", "modified", "lastPrinted", "revision")
_APP_FIELDS = {"Company": "company", "Manager": "manager", "HyperlinkBase": "hyperlinkBase"}
_APP_PLAIN = {"Template": "template", "Application": "application"}

# Fields that name the people who wrote or handled the document.
PERSON_FIELDS = {"creator": "作者", "lastModifiedBy": "最后修改者", "manager": "经理"}

_CJK_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_ORG_SUFFIXES = (
    "局 办 厅 委 室 部 处 科 院 会 司 公司 中心 政府 所 站 队 组 署 校 馆 厂 社 团 股 "
    "用户 管理员 单位 机关"
).split()
# Default account names Windows/WPS put into the author field; not a person.
_NOT_NAMES = frozenset(
    "微软用户 微软中国 用户 管理员 系统管理员 作者 未知 匿名 佚名 本机 电脑 番茄花园 雨林木风 "
    "深度 深度技术 系统之家 无名".split()
)


def looks_like_person_name(value: str) -> bool:
    """2–4 CJK characters that are not an organisation or a default account name.

    English account names ("Administrator", "user") are never treated as names.
    """
    v = value.strip()
    if not _CJK_NAME.match(v) or v in _NOT_NAMES:
        return False
    return not v.endswith(tuple(_ORG_SUFFIXES))


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_properties(
    zf: zipfile.ZipFile, limits: Limits
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(scannable (name, value) pairs in file order, all properties for Document.metadata)."""
    scan: list[tuple[str, str]] = []
    meta: dict[str, str] = {}

    def add(name: str, value: str | None, scannable: bool) -> None:
        value = (value or "").strip()
        if not value:
            return
        meta[name] = value
        if scannable:
            scan.append((name, value))

    data = read_member(zf, "docProps/core.xml", limits)
    if data:
        for el in parse_xml(data, "docProps/core.xml"):
            name = _local(el.tag)
            if name in _CORE_FIELDS:
                add(_CORE_FIELDS[name], el.text, True)
            elif name in _CORE_PLAIN:
                add(name, el.text, False)
    data = read_member(zf, "docProps/app.xml", limits)
    if data:
        for el in parse_xml(data, "docProps/app.xml"):
            name = _local(el.tag)
            if name in _APP_FIELDS:
                add(_APP_FIELDS[name], el.text, True)
            elif name in _APP_PLAIN:
                add(_APP_PLAIN[name], el.text, False)
    data = read_member(zf, "docProps/custom.xml", limits)
    if data:
        for prop in parse_xml(data, "docProps/custom.xml"):
            pname = prop.get("name")
            if not pname:
                continue
            value = "".join(t for child in prop for t in child.itertext())
            add(f"custom:{pname}", value, True)
    return scan, meta


def metadata_segments(props: list[tuple[str, str]]) -> list[Segment]:
    return [Segment(value, Location(part="metadata", field=name)) for name, value in props]


def metadata_note(props: list[tuple[str, str]]) -> ResidueNote | None:
    """One note for all properties; ``review`` when an author field is a person's name."""
    if not props:
        return None
    people = [
        f"{PERSON_FIELDS[name]}：{value}"
        for name, value in props
        if name in PERSON_FIELDS and looks_like_person_name(value)
    ]
    sample = "；".join(f"{name}={value}" for name, value in props[:4])
    if people:
        return ResidueNote(
            "metadata",
            f"文档属性中含有人名（{'；'.join(people)}），"
            "请在“文件-信息-检查文档”中删除文档属性和个人信息",
            Location(part="metadata"),
            len(props),
            severity="review",
            sample="；".join(people),
        )
    names = "、".join(dict.fromkeys(name for name, _ in props))
    return ResidueNote(
        "metadata",
        f"文档属性中含有信息（{names}），公开前请在“文件-信息-检查文档”中核对或删除",
        Location(part="metadata"),
        len(props),
        severity="info",
        sample=sample,
    )

"""Document properties of an OOXML package (DOCX/XLSX): docProps/core.xml, app.xml, custom.xml.

A reader of the published file sees these under File → Properties: the author, who saved it
last, the company, a title left over from an older document. ``read_properties`` returns them
as (field, value) pairs; ``add_property_segments`` turns them into ``metadata`` segments and one
``metadata`` residue note for a Document, shared by the DOCX and XLSX extractors.
"""

from __future__ import annotations

import posixpath
import zipfile

import lxml.etree

from secreview.config import Limits
from secreview.errors import CorruptFile
from secreview.extract.people import looks_like_person_name
from secreview.extract.safezip import parse_xml, read_member
from secreview.model import Document, Location, ResidueNote, Segment

_CORE_FIELDS = {
    # (namespace, local name) → field name in the report
    ("http://purl.org/dc/elements/1.1/", "creator"): "creator",
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "lastModifiedBy"): (
        "lastModifiedBy"
    ),
    ("http://purl.org/dc/elements/1.1/", "title"): "title",
    ("http://purl.org/dc/elements/1.1/", "subject"): "subject",
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "keywords"): (
        "keywords"
    ),
    ("http://purl.org/dc/elements/1.1/", "description"): "description",
    ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "category"): (
        "category"
    ),
}
_APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_APP_FIELDS = {"Company": "company", "Manager": "manager"}
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_REL_TYPES = {
    "core": ("/metadata/core-properties", "docProps/core.xml"),
    "app": ("/extended-properties", "docProps/app.xml"),
    "custom": ("/custom-properties", "docProps/custom.xml"),
}

PERSON_FIELDS = ("creator", "lastModifiedBy", "manager")

FIELD_NAMES_ZH = {
    "creator": "作者",
    "lastModifiedBy": "最后修改者",
    "company": "单位",
    "manager": "经理",
    "title": "标题",
    "subject": "主题",
    "keywords": "关键词",
    "description": "备注",
    "category": "类别",
}


def _part_paths(zf: zipfile.ZipFile, limits: Limits) -> dict[str, str]:
    """Where core/app/custom properties live, from _rels/.rels (standard paths as fallback)."""
    paths = {key: default for key, (_, default) in _REL_TYPES.items()}
    data = read_member(zf, "_rels/.rels", limits)
    if data is None:
        return paths
    root = parse_xml(data, "_rels/.rels")
    for rel in root.iter(f"{{{_REL_NS}}}Relationship"):
        rel_type = rel.get("Type") or ""
        target = (rel.get("Target") or "").lstrip("/")
        if not target or rel.get("TargetMode") == "External":
            continue
        for key, (suffix, _) in _REL_TYPES.items():
            if rel_type.endswith(suffix):
                paths[key] = posixpath.normpath(target)
    return paths


def _clean(text: str | None) -> str:
    return (text or "").strip()


def read_properties(zf: zipfile.ZipFile, limits: Limits) -> list[tuple[str, str]]:
    """Non-empty document properties as (field, value), in a stable order.

    Fields: creator, lastModifiedBy, title, subject, keywords, description, category
    (core.xml); company, manager (app.xml); ``custom:NAME`` for text custom properties.
    Parts with a DTD are refused by ``parse_xml`` (CorruptFile).
    """
    paths = _part_paths(zf, limits)
    out: list[tuple[str, str]] = []

    data = read_member(zf, paths["core"], limits)
    if data is not None:
        root = parse_xml(data, paths["core"])
        found: dict[str, str] = {}
        for el in root:
            if not isinstance(el.tag, str) or not el.tag.startswith("{"):
                continue
            ns, _, local = el.tag[1:].partition("}")
            name = _CORE_FIELDS.get((ns, local))
            value = _clean(el.text)
            if name and value:
                found[name] = value
        out.extend((name, found[name]) for name in _CORE_FIELDS.values() if name in found)

    data = read_member(zf, paths["app"], limits)
    if data is not None:
        root = parse_xml(data, paths["app"])
        for local, name in _APP_FIELDS.items():
            values = [_clean(el.text) for el in root.iter(f"{{{_APP_NS}}}{local}")]
            value = next((v for v in values if v), "")
            if value:
                out.append((name, value))

    data = read_member(zf, paths["custom"], limits)
    if data is not None:
        root = parse_xml(data, paths["custom"])
        for prop in root.iter(f"{{{_CUSTOM_NS}}}property"):
            name = _clean(prop.get("name"))
            for child in prop:
                if child.tag in (f"{{{_VT_NS}}}lpwstr", f"{{{_VT_NS}}}lpstr", f"{{{_VT_NS}}}bstr"):
                    value = _clean(child.text)
                    if name and value:
                        out.append((f"custom:{name}", value))
    return out


def add_property_segments(doc: Document, props: list[tuple[str, str]]) -> None:
    """Append one ``metadata`` segment per property and one ``metadata`` residue note.

    The note is ``info`` unless the author / last-modified-by looks like a person's name,
    then ``review`` with the advice to clear the document properties before publishing.
    """
    if not props:
        return
    for name, value in props:
        doc.metadata.setdefault(name, value)
        # A custom property reads "name=value", so a rule sees what the value is ("密级=秘密")
        text = f"{name[len('custom:') :]}={value}" if name.startswith("custom:") else value
        doc.segments.append(Segment(text, Location(part="metadata", field=name)))
    people = [(n, v) for n, v in props if n in PERSON_FIELDS and looks_like_person_name(v)]
    if people:
        who = "、".join(f"{FIELD_NAMES_ZH[n]}「{v}」" for n, v in people)
        message = (
            f"文档属性含个人姓名（{who}），读者在文件属性中即可看到；"
            "请在发布前清除文档属性（Office：文件→信息→检查文档→删除文档属性和个人信息；"
            "WPS：文件→属性）"
        )
        doc.residue.append(
            ResidueNote(
                "metadata",
                message,
                Location(part="metadata", field=people[0][0]),
                count=len(props),
                severity="review",
                sample=people[0][1],
            )
        )
        return
    listed = "、".join(FIELD_NAMES_ZH.get(n, n) for n, _ in props[:6])
    doc.residue.append(
        ResidueNote(
            "metadata",
            f"文档属性含 {len(props)} 项信息（{listed}），读者在文件属性中即可看到，请确认可以公开",
            Location(part="metadata", field=props[0][0]),
            count=len(props),
            severity="info",
            sample=f"{props[0][0]}: {props[0][1]}",
        )
    )


MAX_CUSTOM_XML_ITEMS = 200
_BIBLIOGRAPHY = "{http://schemas.openxmlformats.org/officeDocument/2006/bibliography}"
MAX_CUSTOM_XML_LINES = 20_000


def custom_xml_lines(root: lxml.etree._Element) -> list[str]:
    """ "name=value" for every element with text and every attribute of a custom XML part."""
    lines: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = el.tag.rsplit("}", 1)[-1]
        if el is root and el.tag.startswith(_BIBLIOGRAPHY):
            continue  # Word's citation style settings (SelectedStyle="/APA.XSL")
        for key, value in el.attrib.items():
            if value.strip() and not key.startswith("{"):
                lines.append(f"{local}.{key.rsplit('}', 1)[-1]}={value.strip()}")
        text = (el.text or "").strip()
        if text:
            lines.append(f"{local}={text}")
        if len(lines) >= MAX_CUSTOM_XML_LINES:
            break
    return lines


def add_custom_xml(doc: Document, zf: zipfile.ZipFile, limits: Limits) -> None:
    """customXml/item*.xml: data an OA or records system stored in the package (密级, 文号,
    拟稿人 …), invisible in Word but in the published file. One ``custom_xml`` segment per
    value and one info note (the rules judge the values)."""
    names = sorted(
        n
        for n in zf.namelist()
        if n.startswith("customXml/")
        and n.endswith(".xml")
        and not posixpath.basename(n).lower().startswith("itemprops")
    )[:MAX_CUSTOM_XML_ITEMS]
    count = 0
    sample = ""
    for name in names:
        data = read_member(zf, name, limits)
        if not data:
            continue
        try:
            root = parse_xml(data, name)
        except CorruptFile:
            continue  # an unreadable data part is not a broken document
        for k, line in enumerate(custom_xml_lines(root), start=1):
            doc.segments.append(Segment(line, Location(part="custom_xml", paragraph=k, field=name)))
            count += 1
            sample = sample or line
    if count:
        doc.residue.append(
            ResidueNote(
                "custom_xml",
                f"文档含自定义 XML 数据（{count} 项，多由办公系统写入，如「{sample[:30]}」），"
                "在 Word 中看不到但随文件公开，请确认其内容可以公开",
                Location(part="custom_xml", field=names[0]),
                count=count,
                severity="info",
                sample=sample,
            )
        )

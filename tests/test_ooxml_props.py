"""Document properties shared by the DOCX and XLSX extractors."""

from __future__ import annotations

import pytest
from openpyxl.packaging.custom import StringProperty

from secreview.config import Limits
from secreview.errors import CorruptFile
from secreview.extract.ooxml_props import (
    add_property_segments,
    read_properties,
)
from secreview.extract.safezip import open_package
from secreview.model import Document
from tests.helpers.xlsx_builder import plain_workbook, replace_member, to_bytes, with_company


def props_of(data: bytes):
    with open_package(data, Limits()) as zf:
        return read_properties(zf, Limits())


def test_read_core_app_and_custom_properties():
    wb = plain_workbook("张三")
    wb.properties.lastModifiedBy = "Administrator"
    wb.properties.subject = "年度预算"
    wb.properties.keywords = "预算;内部"
    wb.properties.description = "初稿，勿外传"
    wb.custom_doc_props.append(StringProperty(name="审核人", value="李四"))
    data = with_company(to_bytes(wb), "某某局", "王五")
    assert props_of(data) == [
        ("creator", "张三"),
        ("lastModifiedBy", "Administrator"),
        ("subject", "年度预算"),
        ("keywords", "预算;内部"),
        ("description", "初稿，勿外传"),
        ("company", "某某局"),
        ("manager", "王五"),
        ("custom:审核人", "李四"),
    ]


def test_metadata_note_is_info_without_a_person_name():
    doc = Document("x.xlsx", "xlsx")
    add_property_segments(doc, [("creator", "Administrator"), ("company", "某某区财政局")])
    assert [(s.location.field, s.text) for s in doc.segments] == [
        ("creator", "Administrator"),
        ("company", "某某区财政局"),
    ]
    (note,) = doc.residue
    assert (note.kind, note.severity, note.count) == ("metadata", "info", 2)


def test_metadata_note_is_review_with_a_person_name():
    doc = Document("x.xlsx", "xlsx")
    add_property_segments(doc, [("creator", "办公室"), ("lastModifiedBy", "李明")])
    (note,) = doc.residue
    assert note.severity == "review"
    assert "最后修改者「李明」" in note.message and "清除文档属性" in note.message
    assert note.location.field == "lastModifiedBy"


def test_no_properties_no_note():
    doc = Document("x.xlsx", "xlsx")
    add_property_segments(doc, [])
    assert doc.segments == [] and doc.residue == []


def test_dtd_in_core_properties_is_refused():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        b'metadata/core-properties"/>'
    )
    data = replace_member(to_bytes(plain_workbook()), "docProps/core.xml", evil)
    with open_package(data, Limits()) as zf, pytest.raises(CorruptFile):
        read_properties(zf, Limits())

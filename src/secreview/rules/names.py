"""Chinese names for rule ids, for people: the audit, SARIF, `rules list`, sweep output.

A rule from a pack carries its own ``name``. Findings also come from outside the packs:
``<rule>.bulk`` (a document with many values of one rule), ``residue.<kind>`` (what an
extractor recovered) and ``classifier.<category>``; their names are made here. An id that is
no longer in any loaded pack (a ledger entry from an older pack) is shown as itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from secreview.model import CATEGORY_NAMES_ZH
from secreview.rules.model import RuleSet

RESIDUE_NAMES_ZH = {
    "annotations": "注释或表单内容",
    "attachments_unread": "无法自动审查的附件",
    "email_attachments": "邮件附件",
    "email_headers": "邮件头中的姓名和邮箱",
    "empty_bundle": "没有可审查文件的压缩包",
    "glyph_only_text": "只以字形编号保存、无法读出的文字",
    "hidden_slides": "隐藏幻灯片",
    "image_unread": "未经识别的图片文字",
    "ocr": "经 OCR 识别的图片文字",
    "ocr_empty": "未识别出文字的图片页",
    "ocr_skipped": "未经 OCR 识别的图片",
    "rtf_residue": "RTF 中无法提取的批注或修订",
    "signatures": "电子签章或签名",
    "speaker_notes": "演讲者备注",
    "comments": "批注",
    "custom_xml": "自定义XML数据",
    "defined_names": "工作簿定义的名称",
    "earlier_revision": "增量保存留下的早期版本",
    "embedded": "嵌入的文件或对象",
    "hidden_cells": "隐藏的行或列",
    "hidden_layer": "隐藏图层",
    "hidden_sheets": "隐藏工作表",
    "hidden_text": "隐藏文字",
    "html_comments": "网页注释",
    "html_hidden": "网页中隐藏的内容",
    "image_metadata": "图片属性（作者、位置）",
    "image_only_page": "无文字层的图片页",
    "invisible_text": "不可见文字",
    "javascript": "文档中的脚本",
    "metadata": "文档属性",
    "redaction": "遮盖下仍可读取的文字",
    "revisions": "未接受的修订",
    "undecodable_text": "无法解码的文字",
}


def rule_name(rule_id: str, ruleset: RuleSet | None = None) -> str:
    """The Chinese name of ``rule_id`` (the id itself when nothing better is known)."""
    if ruleset is not None:
        for r in ruleset.rules:
            if r.id == rule_id:
                return r.name or r.id
    if rule_id.endswith(".bulk"):
        base = rule_name(rule_id[: -len(".bulk")], ruleset)
        return f"{base}（批量）"
    family, _, rest = rule_id.partition(".")
    if family == "residue":
        return RESIDUE_NAMES_ZH.get(rest, f"文档残留（{rest}）")
    if family == "classifier" and rest in CATEGORY_NAMES_ZH:
        return f"分类器：疑似{CATEGORY_NAMES_ZH[rest]}"
    return rule_id


def rule_names(rule_ids: Iterable[str], ruleset: RuleSet | None = None) -> dict[str, str]:
    """``{id: name}`` for each id."""
    by_id = {r.id: r.name or r.id for r in ruleset.rules} if ruleset is not None else {}
    return {i: by_id.get(i) or rule_name(i, ruleset) for i in rule_ids}


def label(rule_id: str, names: dict[str, str]) -> str:
    """The name with the id as a note, 名称（id）; just the id when it has no name."""
    name = names.get(rule_id) or rule_name(rule_id)
    return rule_id if name == rule_id else f"{name}（{rule_id}）"

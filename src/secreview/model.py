"""Plain data: documents, segments, locations, findings, reports. No internal imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("block", "review", "info")
SEVERITY_RANK = {"info": 0, "review": 1, "block": 2}

PARTS = (
    "body",
    "table",
    "header",
    "footer",
    "footnote",
    "textbox",
    "comment",
    "revision_insert",
    "revision_delete",
    "hidden",
    "metadata",
    "annotation",
    "under_redaction",
    "invisible",
    "sheet",
    "image_only_page",
    "earlier_revision",
    "custom_xml",
    "form_field",
    "attachment",
    "ocr",
    "slide",
    "notes",
)

CATEGORIES = (
    "state_secret",
    "work_secret",
    "personal_info",
    "trade_secret",
    "internal_affairs",
    "process_info",
    "enforcement_case",
    "residue",
)

CATEGORY_NAMES_ZH = {
    "state_secret": "国家秘密",
    "work_secret": "工作秘密",
    "personal_info": "个人信息",
    "trade_secret": "商业秘密",
    "internal_affairs": "内部事务",
    "process_info": "过程性信息",
    "enforcement_case": "执法案卷",
    "residue": "文档残留",
}

PART_NAMES_ZH = {
    "body": "正文",
    "table": "表格",
    "header": "页眉",
    "footer": "页脚",
    "footnote": "脚注/尾注",
    "textbox": "文本框",
    "comment": "批注",
    "revision_insert": "修订（插入）",
    "revision_delete": "修订（删除）",
    "hidden": "隐藏内容",
    "metadata": "文档属性",
    "annotation": "注释/表单",
    "under_redaction": "遮盖下的文字",
    "invisible": "不可见文字",
    "sheet": "工作表",
    "image_only_page": "图片页",
    "earlier_revision": "早期版本（增量保存）",
    "custom_xml": "自定义XML数据",
    "form_field": "表单域",
    "attachment": "附件",
    "ocr": "图片文字（OCR）",
    "slide": "幻灯片",
    "notes": "演讲者备注",
}

_LOCATION_KEYS = ("page", "paragraph", "row", "col", "sheet", "cell", "field", "bbox")


@dataclass(frozen=True)
class Location:
    """Where a piece of text is. Numbers are 1-based."""

    part: str = "body"
    page: int | None = None
    paragraph: int | None = None
    row: int | None = None
    col: int | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"part": self.part}
        for key in _LOCATION_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if key == "bbox" else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        kwargs = {k: data[k] for k in ("part", *_LOCATION_KEYS) if k in data}
        if "bbox" in kwargs and kwargs["bbox"] is not None:
            kwargs["bbox"] = tuple(kwargs["bbox"])
        return cls(**kwargs)

    def with_(self, **changes: Any) -> Location:
        data = {k: getattr(self, k) for k in ("part", *_LOCATION_KEYS)}
        data.update(changes)
        return Location(**data)

    def label(self) -> str:
        """A short Chinese description for people: "第1页 正文 第3段"."""
        bits: list[str] = []
        if self.page is not None:
            unit = "张" if self.part in ("slide", "notes") else "页"
            bits.append(f"第{self.page}{unit}")
        if self.cell is not None:
            bits.append(f"{self.sheet}!{self.cell}" if self.sheet else f"单元格{self.cell}")
        elif self.sheet is not None:
            bits.append(f"工作表「{self.sheet}」")
        bits.append(PART_NAMES_ZH.get(self.part, self.part))
        if self.field is not None:
            bits.append(f"字段 {self.field}")
        if self.paragraph is not None:
            bits.append(f"第{self.paragraph}段")
        if self.cell is None and self.row is not None:
            bits.append(f"第{self.row}行" + (f"第{self.col}列" if self.col is not None else ""))
        return " ".join(bits)


@dataclass(frozen=True)
class Span:
    """A sub-range of a segment's text with its own, finer location (a table cell in a row)."""

    start: int
    end: int
    location: Location


@dataclass
class Segment:
    """One located run of original text: a paragraph, a table row, a metadata field …

    ``spans`` (optional) give finer locations for parts of the text, e.g. the cells of a
    table row kept together as one record.
    """

    text: str
    location: Location
    spans: tuple[Span, ...] = ()

    def location_at(self, offset: int) -> Location:
        for span in self.spans:
            if span.start <= offset < span.end:
                return span.location
        return self.location


@dataclass
class ResidueNote:
    """One kind of residue an extractor found (tracked changes, comments, failed redaction …).

    Extractors append these to ``Document.residue``; the residue check turns each into one
    ``residue`` finding that names the problem and how to fix it. The recovered text itself
    goes into segments with their own ``location.part`` so rules scan it like body text.
    """

    kind: str  # stable id suffix: "revisions", "comments", "hidden_text", "metadata", ...
    message: (
        str  # Chinese: the problem and the fix, e.g. "文档含未接受的修订（删除内容 3 处），请…"
    )
    location: Location
    count: int = 1
    severity: str = "review"
    sample: str = ""  # a short example of the recovered text (for the finding's text/context)


@dataclass
class Document:
    path: str
    format: str
    segments: list[Segment] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    # Facts extractors note for checks (e.g. {"pages": 3}).
    facts: dict[str, Any] = field(default_factory=dict)
    residue: list[ResidueNote] = field(default_factory=list)


@dataclass
class Finding:
    rule: str
    category: str
    severity: str
    source: str  # rule | classifier | residue
    text: str
    location: Location
    context: str
    reason: str
    basis: str | None = None
    fingerprint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "source": self.source,
            "text": self.text,
            "location": self.location.to_dict(),
            "context": self.context,
            "reason": self.reason,
        }
        if self.basis:
            out["basis"] = self.basis
        if self.fingerprint:
            out["fingerprint"] = self.fingerprint
        if self.extra:
            out.update(self.extra)
        return out


@dataclass
class ErrorInfo:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class Report:
    path: str
    sha256: str | None
    format: str | None
    verdict: str  # pass | review | block | error
    error: ErrorInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    classifier: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "format": self.format,
            "verdict": self.verdict,
            "error": self.error.to_dict() if self.error else None,
            "findings": [f.to_dict() for f in self.findings],
            "classifier": self.classifier,
        }


def verdict_of(findings: list[Finding]) -> str:
    """block if any block finding; review if any review finding; else pass."""
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=0)
    return {2: "block", 1: "review", 0: "pass"}[worst]


@dataclass(frozen=True)
class Event:
    """One ledger event as the workflow sees it (the ledger adds seq and hashes).

    ``payload`` is a plain JSON-able dict; ``ts`` is UTC ISO 8601 with a trailing ``Z``.
    """

    seq: int
    ts: str
    actor: str
    action: str
    submission_id: str | None
    version: int | None
    payload: dict[str, Any]
    hash: str = ""


# A raw ledger row as storage stores and yields it, in this column order:
# (seq, ts, actor, action, submission_id, version, payload text, prev_hash, hash, signature hex)
RawRow = tuple[int, str, str, str, "str | None", "int | None", str, str, str, str]

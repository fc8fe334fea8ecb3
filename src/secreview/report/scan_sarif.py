"""`scan --format sarif`: the scan reports as a SARIF 2.1.0 log (OASIS), for code-scanning
dashboards and editors.

- ``tool.driver.rules``: every rule of the loaded packs (id, a PascalCase ``name`` as SARIF
  asks, the Chinese name as ``shortDescription``, reason and basis as ``fullDescription``,
  category/severity/basis in ``properties``), then the ids the packs do not define that
  occur in the results (``<rule>.bulk``, ``residue.<kind>``, ``classifier.<category>``,
  ``secreview.unreadable``).
- one result per finding: level from severity (block → error, review → warning,
  info → note), the file as ``physicalLocation``, page/part/… as a ``logicalLocation`` and
  in the location's ``properties``, our fingerprint as ``partialFingerprints``. Matched
  personal values and numbers are masked (the JSON report is the place for raw text).
- a file that could not be read is a ``secreview.unreadable`` error result and a tool
  execution notification: never silently absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from secreview import __version__
from secreview.checks import finding_fingerprint
from secreview.mask import mask_finding_text, mask_numbers
from secreview.model import CATEGORY_NAMES_ZH, PART_NAMES_ZH, Finding, Location, Report
from secreview.rules.model import Rule, RuleSet
from secreview.rules.names import rule_name

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"block": "error", "review": "warning", "info": "note"}
FINGERPRINT_KEY = "secreview/v1"
UNREADABLE = "secreview.unreadable"
SEVERITY_ZH = {"block": "不得公开", "review": "需人工审查", "info": "提示"}


def pascal_name(rule_id: str) -> str:
    """SARIF's ``name`` is an identifier-like friendly name: pii.resident_id → PiiResidentId."""
    words = rule_id.replace(".", "_").split("_")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def artifact_uri(path: str) -> str:
    """A relative path as a relative URI reference (posix, percent-encoded); an absolute one
    as a ``file:`` URI."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(Path(os.path.normpath(path)).as_posix())


def _sentence(text: str) -> str:
    return text.replace("「{text}」", "").replace("{text}", "…").replace("{detail}", "…")


def _pack_rule(r: Rule) -> dict[str, Any]:
    full = _sentence(r.reason) + (f"。依据：{r.basis}" if r.basis else "")
    props: dict[str, Any] = {
        "category": r.category,
        "categoryName": CATEGORY_NAMES_ZH.get(r.category, r.category),
        "severity": r.severity,
        "kind": r.kind,
        "pack": Path(r.file).name,
        "tags": ["secreview", r.category],
    }
    if r.basis:
        props["basis"] = r.basis
    return {
        "id": r.id,
        "name": pascal_name(r.id),
        "shortDescription": {"text": r.name or r.id},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": LEVELS[r.severity]},
        "properties": props,
    }


def _extra_rule(rule_id: str, sample: Finding | None, ruleset: RuleSet) -> dict[str, Any]:
    if sample is None:  # the unreadable-file pseudo-rule
        return {
            "id": UNREADABLE,
            "name": pascal_name(UNREADABLE),
            "shortDescription": {"text": "无法审查的文件"},
            "fullDescription": {
                "text": "文件无法读取或解析（损坏、加密、过大、格式不支持），未经审查不得公开"
            },
            "defaultConfiguration": {"level": "error"},
            "properties": {"category": "error", "tags": ["secreview", "error"]},
        }
    props: dict[str, Any] = {
        "category": sample.category,
        "categoryName": CATEGORY_NAMES_ZH.get(sample.category, sample.category),
        "severity": sample.severity,
        "source": sample.source,
        "tags": ["secreview", sample.category],
    }
    if sample.basis:
        props["basis"] = sample.basis
    name = rule_name(rule_id, ruleset)
    return {
        "id": rule_id,
        "name": pascal_name(rule_id),
        "shortDescription": {"text": name},
        "fullDescription": {"text": name + (f"。依据：{sample.basis}" if sample.basis else "")},
        "defaultConfiguration": {"level": LEVELS.get(sample.severity, "warning")},
        "properties": props,
    }


def logical_name(loc: Location) -> str:
    """A path-like name of a location: ``page[2]/table/row[3]`` or ``sheet[名单]/cell[B4]``."""
    bits: list[str] = []
    if loc.page is not None:
        bits.append(f"page[{loc.page}]")
    if loc.sheet is not None:
        bits.append(f"sheet[{loc.sheet}]")
    bits.append(loc.part)
    if loc.cell is not None:
        bits.append(f"cell[{loc.cell}]")
    if loc.field is not None:
        bits.append(f"field[{loc.field}]")
    if loc.paragraph is not None:
        bits.append(f"paragraph[{loc.paragraph}]")
    if loc.cell is None and loc.row is not None:
        bits.append(f"row[{loc.row}]")
    if loc.cell is None and loc.col is not None:
        bits.append(f"col[{loc.col}]")
    return "/".join(bits)


def _location(uri: str, index: int, loc: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": uri, "index": index}},
        "logicalLocations": [
            {
                "name": loc.label(),
                "fullyQualifiedName": logical_name(loc),
                "kind": PART_NAMES_ZH.get(loc.part, loc.part),
            }
        ],
        "message": {"text": loc.label()},
        "properties": loc.to_dict(),
    }


def _result(f: Finding, uri: str, index: int, rule_index: dict[str, int]) -> dict[str, Any]:
    text, context = mask_finding_text(f.text, f.context, f.category == "personal_info")
    props: dict[str, Any] = {
        "category": f.category,
        "severity": f.severity,
        "severityName": SEVERITY_ZH.get(f.severity, f.severity),
        "source": f.source,
        "text": text,
        "context": context,
    }
    if f.basis:
        props["basis"] = f.basis
    return {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": LEVELS.get(f.severity, "warning"),
        "kind": "fail",
        "message": {"text": mask_numbers(f.reason)},
        "locations": [_location(uri, index, f.location)],
        "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(f)},
        "properties": props,
    }


def to_sarif(reports: list[Report], ruleset: RuleSet) -> dict[str, Any]:
    """One SARIF run over ``reports`` (input order), with the rules of ``ruleset``."""
    rules = [_pack_rule(r) for r in ruleset.rules]
    rule_index = {r.id: i for i, r in enumerate(ruleset.rules)}
    artifacts: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for index, report in enumerate(reports):
        uri = artifact_uri(report.path)
        artifact: dict[str, Any] = {
            "location": {"uri": uri},
            "properties": {"format": report.format, "verdict": report.verdict},
        }
        if report.sha256:
            artifact["hashes"] = {"sha-256": report.sha256}
        artifacts.append(artifact)
        if report.error is not None:
            if UNREADABLE not in rule_index:
                rule_index[UNREADABLE] = len(rules)
                rules.append(_extra_rule(UNREADABLE, None, ruleset))
            message = {"text": f"{report.error.message} [{report.error.code}]"}
            where = [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}]
            results.append(
                {
                    "ruleId": UNREADABLE,
                    "ruleIndex": rule_index[UNREADABLE],
                    "level": "error",
                    "kind": "fail",
                    "message": message,
                    "locations": where,
                    "properties": {"code": report.error.code},
                }
            )
            notifications.append(
                {
                    "level": "error",
                    "message": message,
                    "locations": where,
                    "descriptor": {"id": UNREADABLE},
                    "properties": {"code": report.error.code},
                }
            )
            continue
        for f in report.findings:
            if f.rule not in rule_index:
                rule_index[f.rule] = len(rules)
                rules.append(_extra_rule(f.rule, f, ruleset))
            results.append(_result(f, uri, index, rule_index))
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    packs = {
        f"{Path(p).parent.name}/{Path(p).name}": digest for p, digest in ruleset.hashes.items()
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "secreview",
                        "fullName": "secreview 政府信息公开保密审查",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [invocation],
                "language": "zh-CN",
                "columnKind": "unicodeCodePoints",
                "artifacts": artifacts,
                "results": results,
                "properties": {"rulePacks": packs},
            }
        ],
    }

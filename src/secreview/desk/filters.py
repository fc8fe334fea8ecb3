"""Template filters: the office clock (北京时间), Chinese names, masking, sizes; SVG charts."""

from __future__ import annotations

from typing import Any

import jinja2

from secreview.clock import OfficeClock
from secreview.mask import mask_numbers
from secreview.model import CATEGORY_NAMES_ZH
from secreview.roles import role_name
from secreview.workflow import STATUS_ZH

VERDICT_ZH = {
    "pass": "机审通过",
    "review": "需人工审查",
    "block": "不得公开",
    "error": "无法审查",
}
ACTION_ZH = {
    "submit": "提交",
    "review": "保密审查",
    "sign": "领导签批",
    "publish": "登记公开",
    "reveal": "查看未遮盖内容",
    "export": "导出存档",
    "sweep_result": "定期梳理",
}
DECISION_ZH = {"approve": "同意", "reject": "退回"}
ROUTE_ZH = {"reviewer": "保密审查员", "leader": "审核领导"}
SWEEP_ZH = {
    "ok": "复查无新问题",
    "attention": "发现新问题",
    "changed": "签批后被改动",
    "unknown": "不在台账中",
    "unsigned": "未经签批",
    "superseded": "旧版本仍在公开",
    "error": "无法读取",
}


def size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} 字节"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def bars(pairs: list[tuple[str, float]], width: int = 420, row: int = 26) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (the template draws it as SVG, labels escaped)."""
    label_w, value_w = 120, 50
    top = max((v for _, v in pairs), default=0) or 1
    span = width - label_w - value_w
    items = [
        {
            "label": label,
            "value": value,
            "y": i * row,
            "w": max(1.0, round(span * value / top, 1)) if value else 0,
        }
        for i, (label, value) in enumerate(pairs)
    ]
    return {
        "items": items,
        "width": width,
        "height": max(row, row * len(pairs)),
        "label_w": label_w,
        "bar_h": row - 8,
    }


def columns(pairs: list[tuple[str, float]], height: int = 160, col: int = 44) -> dict[str, Any]:
    """Geometry of a column chart (e.g. findings by month)."""
    top = max((v for _, v in pairs), default=0) or 1
    plot = height - 40
    items: list[dict[str, Any]] = []
    for i, (label, value) in enumerate(pairs):
        h = round(plot * value / top, 1) if value else 0.0
        items.append({"label": label, "value": value, "x": i * col + 6, "h": h, "y": plot - h + 14})
    return {
        "items": items,
        "width": max(col * len(pairs) + 12, 120),
        "height": height,
        "col_w": col - 12,
        "base": plot + 14,
    }


def install(env: jinja2.Environment, clock: OfficeClock) -> None:
    """``bj``: a ledger time (UTC) in the office's time for a column headed （北京时间）;
    ``bjl``: the same with its label, for a time on its own (clock.py, the one clock)."""
    env.filters.update(
        bj=clock.plain,
        bjl=clock.show,
        size=size,
        mask=lambda s: mask_numbers(str(s)) if s is not None else "",
        status_zh=lambda s: STATUS_ZH.get(s, s),
        verdict_zh=lambda s: VERDICT_ZH.get(s, s),
        role_zh=role_name,
        action_zh=lambda s: ACTION_ZH.get(s, s),
        decision_zh=lambda s: DECISION_ZH.get(s, s),
        route_zh=lambda s: ROUTE_ZH.get(s, s),
        category_zh=lambda s: CATEGORY_NAMES_ZH.get(s, s),
        sweep_zh=lambda s: SWEEP_ZH.get(s, s),
    )
    env.globals.update(bars=bars, columns=columns)

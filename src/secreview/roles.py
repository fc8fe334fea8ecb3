"""Roles and their Chinese names: the one table the CLI and the review desk share.

Users type a role in Chinese or English (``--role 保密审查员`` or ``--role reviewer``);
the ledger stores the English value.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from secreview.errors import UsageError


class Role(StrEnum):
    DRAFTER = "drafter"
    REVIEWER = "reviewer"
    LEADER = "leader"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
ROLE_ZH: dict[str, str] = {
    Role.DRAFTER: "拟稿人",
    Role.REVIEWER: "保密审查员",
    Role.LEADER: "审核领导",
    Role.AUDITOR: "审计员",
    Role.ADMIN: "管理员",
}
# Other names people use for the same role (DOMAIN.md §6: 承办人, 保密审核人, 签批领导 …).
_ALIASES_ZH: dict[str, Role] = {
    "拟稿": Role.DRAFTER,
    "起草人": Role.DRAFTER,
    "承办人": Role.DRAFTER,
    "审查员": Role.REVIEWER,
    "保密审查人": Role.REVIEWER,
    "保密审核人": Role.REVIEWER,
    "领导": Role.LEADER,
    "签批领导": Role.LEADER,
    "审批领导": Role.LEADER,
    "审计": Role.AUDITOR,
    "检查人": Role.AUDITOR,
    "系统管理员": Role.ADMIN,
}
ROLE_ALIASES: dict[str, Role] = {
    **{r.value: r for r in Role},
    **{zh: Role(r) for r, zh in ROLE_ZH.items()},
    **_ALIASES_ZH,
}


def parse_role(text: str) -> Role:
    """A role from what a user typed (Chinese or English, any width or case)."""
    key = unicodedata.normalize("NFKC", text).strip().lower()
    role = ROLE_ALIASES.get(key)
    if role is None:
        choices = "、".join(f"{zh}（{r}）" for r, zh in ROLE_ZH.items())
        raise UsageError(f"未知的角色「{text}」，可用：{choices}")
    return role


def role_name(role: str) -> str:
    """The Chinese name of a stored role value."""
    return ROLE_ZH.get(role, role)

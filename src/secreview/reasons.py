"""The reasons reviewers give most often, offered as a numbered list on the terminal
(``review ID`` without ``--approve``/``--reject``) and on the review desk; a reviewer may
always type their own. Each is a complete sentence an inspector can read in the 台账."""

from __future__ import annotations

# Why a finding is not a problem (dismissal).
DISMISS_REASONS: tuple[str, ...] = (
    "系引用已公开的文件、标题或文号，不涉密",
    "系法律法规或制度原文的引用，不涉密",
    "系本单位依法公开的办公电话、地址等联系方式",
    "系依法应当公示的信息（如任前公示、低保公示），已按最少化原则处理",
    "号码已脱敏或不属于个人信息",
    "经核对为误报，不属于不予公开的内容",
)

# Why an item goes back to the drafter (return).
RETURN_REASONS: tuple[str, ...] = (
    "含个人信息，请遮盖或删除后重新提交",
    "含密级标志或涉密内容，不得公开",
    "含内部资料、工作秘密或过程性信息，请删除后重新提交",
    "文档残留修订记录、批注或隐藏内容，请清理后重新提交",
    "附件未经审查或无法读取，请补充可审查的文本",
)


def pick(answer: str, choices: tuple[str, ...]) -> str | None:
    """A typed answer as a reason: a number picks from ``choices``; other text is the reason
    itself; "" (or a number out of range) is None."""
    text = answer.strip()
    if not text:
        return None
    if text.isdigit():
        n = int(text)
        return choices[n - 1] if 1 <= n <= len(choices) else None
    return text

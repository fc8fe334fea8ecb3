"""Where a passphrase comes from: a terminal (no echo), else ``--passphrase-file`` or
``SECREVIEW_PASSPHRASE``. Passphrases are never logged, printed or stored.

Order: an explicit ``--passphrase-file``, then the environment variable, then a prompt on the
terminal; with none of these (a script without a file) a usage error says what to do. A
passphrase file must be owner-only (like an SSH key): a group- or world-readable one is
refused. Its content is the passphrase, one trailing newline ignored.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import click

from secreview.cli.common import AppState
from secreview.errors import UsageError
from secreview.ledger.signing import Signer
from secreview.service import Ledger

ENV = "SECREVIEW_PASSPHRASE"
ENV_NEW = "SECREVIEW_NEW_PASSPHRASE"


def _from_file(path: Path) -> str:
    try:
        st = os.stat(path)
        if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(
                f"口令文件 {path} 的权限过宽（{stat.S_IMODE(st.st_mode):04o}），"
                f"其他人可读；请先 chmod 600 {path}"
            )
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"无法读取口令文件 {path}：{e.strerror}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"口令文件 {path} 不是 UTF-8 文本") from e
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise UsageError(f"口令文件 {path} 是空的")
    return text


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def read_passphrase(state: AppState, prompt: str, *, confirm: bool = False) -> str:
    """The caller's passphrase (for ``confirm``: a new one, typed twice on a terminal)."""
    if state.passphrase_file is not None:
        return _from_file(state.passphrase_file)
    env = os.environ.get(ENV)
    if env:
        return env
    if _interactive():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))
    raise UsageError(
        f"需要口令：请在终端中运行（口令不回显），或用 --passphrase-file 文件 / 环境变量 {ENV} 提供"
    )


def read_new_passphrase(path: Path | None) -> str:
    """The new passphrase of ``user passwd``: ``--new-passphrase-file``, env, or a terminal."""
    if path is not None:
        return _from_file(path)
    env = os.environ.get(ENV_NEW)
    if env:
        return env
    if _interactive():
        return str(click.prompt("新口令", hide_input=True, confirmation_prompt=True, err=True))
    raise UsageError(
        f"需要新口令：请在终端中运行，或用 --new-passphrase-file 文件 / 环境变量 {ENV_NEW} 提供"
    )


def signer_for(ledger: Ledger, state: AppState, what: str) -> Signer:
    """Unlock the claimed user's key with their passphrase (the core checks it)."""
    who = state.user or "?"
    signer = ledger.unlock(state.user, read_passphrase(state, f"「{who}」的口令"), what)
    if signer.failures is not None:
        f = signer.failures
        clock = state.config().clock()
        click.echo(
            f"注意：自上次使用以来，「{signer.name}」的口令被输错 {f.count} 次"
            f"（{clock.plain(f.first)} 至 {clock.plain(f.last)}，{clock.label}）；本次操作将其记入台账。"
            "如非本人所为，请报告管理员",
            err=True,
        )
    return signer

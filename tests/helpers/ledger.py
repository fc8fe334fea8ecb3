"""Builders for ledger tests: a small office on a tmp_path SQLite file, and sample documents."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from secreview.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"

# name → (roles, departments)
OFFICE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "张三": (("drafter",), ("办公室",)),
    "李四": (("drafter",), ("财务科",)),
    "审查员甲": (("reviewer",), ()),
    "王领导": (("leader",), ("办公室",)),
    "赵领导": (("leader",), ("财务科",)),
    "钱兼任": (("reviewer", "leader"), ()),
    "周兼任": (("drafter", "reviewer"), ("办公室",)),
    "孙审计": (("auditor",), ()),
}
ADMIN = "管理员"
# The test ledgers use the lowest KDF cost a ledger may choose (scrypt N=2^15, 32 MiB),
# recorded in their init event like any other; production's default is 16.
KDF_COST = "15"


def passphrase(user: str) -> str:
    """Each test user's own passphrase (nobody else's works for them)."""
    return f"{user}的口令-2026"


def cli(
    runner: CliRunner, db: Path | str, user: str, *args: str, secret: str | None = None
) -> Result:
    """Run as ``user`` with that user's passphrase (``secret`` overrides it)."""
    env = {"SECREVIEW_PASSPHRASE": secret if secret is not None else passphrase(user)}
    return runner.invoke(main, ["--db", str(db), "--as", user, *args], env=env)


def cli_json(
    runner: CliRunner, db: Path | str, user: str, *args: str, secret: str | None = None
) -> Any:
    result = cli(runner, db, user, *args, "--format", "json", secret=secret)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return json.loads(result.stdout)


def add_and_enroll(
    runner: CliRunner,
    db: Path | str,
    name: str,
    roles: tuple[str, ...],
    depts: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``user add`` by the admin, then ``user enroll`` by the user with the printed code."""
    args = ["user", "add", name]
    for role in roles:
        args += ["--role", role]
    for d in depts:
        args += ["--dept", d]
    added = cli_json(runner, db, ADMIN, *args)
    enrolled = cli_json(runner, db, name, "user", "enroll", name, "--code", added["enrol_code"])
    return {"added": added, "enrolled": enrolled}


def setup_office(runner: CliRunner, db: Path | str, office: str | None = None) -> None:
    extra = ["--office", office] if office else []
    r = cli(runner, db, ADMIN, "init", "--admin", ADMIN, "--kdf-cost", KDF_COST, *extra)
    assert r.exit_code == 0, r.stderr
    for name, (roles, depts) in OFFICE.items():
        add_and_enroll(runner, db, name, roles, depts)


def write_doc(folder: Path, name: str, kind: str, salt: str = "") -> Path:
    """A document the real scanner routes as ``kind``: pass, review (residue), phone or block."""
    path = folder / name
    if kind == "pass":
        path.write_text(
            f"关于开展春季植树活动的通知{salt}\n各科室：定于三月十二日在北山组织植树，请按时参加。\n",
            encoding="utf-8",
        )
    elif kind == "block":
        path.write_text(
            f"秘密★1年\n关于调整政务服务大厅开放时间的公告{salt}\n"
            "自十二月起，政务服务大厅周六上午照常办理业务。\n",
            encoding="utf-8",
        )
    elif kind == "review":
        path.write_text(
            f"<html><body><p>关于公布咨询电话的通知{salt}</p>"
            "<!-- 编辑备注：请核对电话后再发 --></body></html>",
            encoding="utf-8",
        )
    elif kind == "phone":  # review: a personal mobile in a leftover HTML comment
        path.write_text(
            f"<html><body><p>关于公布咨询电话的通知{salt}</p>"
            "<!-- 联系人手机 13912345678，定稿前删除 --></body></html>",
            encoding="utf-8",
        )
    else:
        raise ValueError(kind)
    return path


def head(db: Path | str) -> tuple[int, str]:
    """(event count, head hash) read directly, independent of the code under test."""
    from tests.helpers.backends import head as read_head

    return read_head(db)


def subprocess_env(db: Path | str, user: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["SECREVIEW_DB"] = str(db)
    env["SECREVIEW_USER"] = user
    env["SECREVIEW_PASSPHRASE"] = passphrase(user)
    return env


PYTHON = sys.executable


def copy_ledger(src: Path, dest: Path) -> Path:
    """Copy a closed ledger (file, WAL if any, blob folder) to ``dest``, modes kept."""
    for suffix in ("", "-wal"):
        f = src.with_name(src.name + suffix)
        if f.exists():
            shutil.copy2(f, dest.with_name(dest.name + suffix))
    blobs = src.with_name(src.name + ".blobs")
    if blobs.exists():
        shutil.copytree(blobs, dest.with_name(dest.name + ".blobs"))
    return dest

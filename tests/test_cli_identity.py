"""Users and keys through the CLI on a real ledger: init, enrolment codes, passphrases (file,
environment, terminal), wrong passphrases, passwd/rotate/reset/disable, and the separation of
duties once identities are authenticated."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.cli import main
from secreview.config import Config
from secreview.errors import Refused
from secreview.service import Ledger
from secreview.services.accounts import delay_for
from tests.helpers.ledger import (
    ADMIN,
    KDF_COST,
    PYTHON,
    SRC,
    cli,
    cli_json,
    head,
    passphrase,
    write_doc,
)


def one_line_refusal(result, *says: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in result.output
    for s in says:
        assert s in lines[0], lines[0]


def events(db: Path, action: str) -> list[tuple[int, str, dict]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT seq, actor, payload FROM events WHERE action=? ORDER BY seq", (action,)
    ).fetchall()
    conn.close()
    return [(s, a, json.loads(p)) for s, a, p in rows]


def test_init_creates_the_ledger_and_its_first_admin_and_nothing_else_bootstraps(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = tmp_path / "l.db"
    r = runner.invoke(main, ["--db", str(db), "init"])
    assert r.exit_code == 2 and "--admin" in r.output and not db.exists()
    info = cli_json(
        runner, db, "老周", "init", "--admin", "老周", "--office", "示例办", "--kdf-cost", KDF_COST
    )
    assert info["admin"] == "老周" and info["kdf"]["n"] == 2**15 and info["events"] == 1
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.with_name("l.db.blobs").stat().st_mode) == 0o700
    [(seq, actor, p)] = events(db, "init")
    assert actor == "老周" and len(p["public_key"]) == 64 and p["key"]["kdf"]["name"] == "scrypt"
    assert passphrase("老周") not in db.read_bytes().decode("utf-8", "replace")
    before = head(db)
    # A second init — with another admin — changes nothing.
    one_line_refusal(cli(runner, db, "冒名者", "init", "--admin", "冒名者"), "台账已存在")
    # Nobody becomes admin by being first to run `user add`.
    one_line_refusal(
        cli(runner, db, "小王", "user", "add", "小王", "--role", "admin"), "未在台账中登记"
    )
    assert head(db) == before
    users = {u["name"]: u for u in cli_json(runner, db, "老周", "user", "list")}
    assert list(users) == ["老周"] and users["老周"]["roles"] == ["admin"]


def test_enrolment_code_is_one_time_and_lets_only_its_holder_in(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    added = cli_json(
        runner, office, ADMIN, "user", "add", "新人", "--role", "drafter", "--dept", "办公室"
    )
    code = added["enrol_code"]
    assert len(code.replace("-", "")) == 26
    expires = datetime.fromisoformat(added["enrol_expires"].replace("Z", "+00:00"))
    assert timedelta(hours=71) < expires - datetime.now(UTC) <= timedelta(hours=72)
    assert code not in office.read_bytes().decode("utf-8", "replace")  # only its public half
    doc = write_doc(tmp_path, "a.txt", "pass")
    submit = ("submit", str(doc), "--title", "t", "--dept", "办公室")
    one_line_refusal(cli(runner, office, "新人", *submit), "尚未启用", "user enroll")
    one_line_refusal(
        cli(runner, office, "新人", "user", "enroll", "新人", "--code", "AAAA-" + code[5:]),
        "登记码不对",
    )
    one_line_refusal(
        cli(runner, office, "张三", "user", "enroll", "新人", "--code", code[:-1]), "登记码不对"
    )
    short = cli(runner, office, "新人", "user", "enroll", "新人", "--code", code, secret="短")
    assert short.exit_code == 2 and "至少 8 个字符" in short.stderr
    ok = cli_json(runner, office, "新人", "user", "enroll", "新人", "--code", code.lower())
    assert ok["name"] == "新人" and len(ok["public_key"]) == 64
    one_line_refusal(
        cli(runner, office, "新人", "user", "enroll", "新人", "--code", code), "没有待用的登记码"
    )
    assert cli(runner, office, "新人", *submit).exit_code == 0
    assert cli_json(runner, office, "x", "ledger", "verify")["ok"] is True


def test_expired_code_is_refused(office: Path) -> None:
    import re

    from secreview.clock import show_time

    later = [datetime.now(UTC)]
    # the expiry is told in Beijing time, labelled (issue 18: one clock, errors too)
    expires = show_time(later[0] + timedelta(hours=72))
    assert expires.endswith("（北京时间）")
    with Ledger.open(Config(db_path=office), clock=lambda: later[0]) as led:
        admin = led.unlock(ADMIN, passphrase(ADMIN))
        code = led.accounts.add_user(admin, "迟到者", ["drafter"])["enrol_code"]
        later[0] += timedelta(hours=72, minutes=1)
        with pytest.raises(Refused, match=f"已于 {re.escape(expires)}过期"):
            led.accounts.enroll("迟到者", code, passphrase("迟到者"))
        later[0] -= timedelta(minutes=2)
        assert led.accounts.enroll("迟到者", code, passphrase("迟到者"))["name"] == "迟到者"


def test_wrong_passphrase_is_one_line_leaves_the_ledger_and_is_slowed_and_recorded(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "a.txt", "pass")
    submit = ("submit", str(doc), "--title", "t", "--dept", "办公室")
    before = head(office)
    for _ in range(3):
        one_line_refusal(cli(runner, office, "张三", *submit, secret="不是这个口令-1"), "口令错误")
    assert head(office) == before  # no event, no blob named
    conn = sqlite3.connect(office)
    assert conn.execute("SELECT COUNT(*) FROM auth_failures WHERE name='张三'").fetchone()[0] == 3
    conn.close()
    # The 4th attempt waits 1 s before the key derivation even runs.
    t0 = time.perf_counter()
    one_line_refusal(cli(runner, office, "张三", *submit, secret="也不是这个-1"), "口令错误")
    assert time.perf_counter() - t0 >= 1.0
    assert [delay_for(n) for n in range(8)] == [0, 0, 0, 1, 2, 4, 8, 16] and delay_for(50) == 30
    # The next real action (after the 5th attempt's 2 s wait) tells the user and signs the
    # count into the chain.
    ok = cli(runner, office, "张三", *submit, "--format", "json")
    assert ok.exit_code == 0, ok.stderr
    assert "口令被输错 4 次" in ok.stderr
    [(seq, actor, p)] = events(office, "auth_failures")
    assert actor == "张三" and p["count"] == 4 and p["name"] == "张三"
    assert seq == json.loads(ok.stdout)["seq"] - 1
    conn = sqlite3.connect(office)
    assert conn.execute("SELECT COUNT(*) FROM auth_failures").fetchone()[0] == 0
    conn.close()
    audit = cli_json(runner, office, "孙审计", "audit")
    assert any("张三：4 次" in x for x in audit["stats"]["auth_failures"])


def test_slowdown_schedule_runs_in_the_core(office: Path) -> None:
    waits: list[float] = []
    with Ledger.open(Config(db_path=office), sleep=waits.append) as led:
        for _ in range(5):
            with pytest.raises(Refused, match="口令错误"):
                led.unlock("王领导", "错误的口令-xyz")
        led.unlock("王领导", passphrase("王领导"))
    assert waits == [1.0, 2.0, 4.0]  # before attempts 4, 5 and 6


def test_passwd_and_rotate_retire_the_old_key(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    newpw = tmp_path / "new.pw"
    newpw.write_text("王领导的新口令-2027\n", encoding="utf-8")
    newpw.chmod(0o600)
    r = cli(runner, office, "王领导", "user", "passwd", "--new-passphrase-file", str(newpw))
    assert r.exit_code == 0, r.stderr
    doc = write_doc(tmp_path, "a.txt", "pass")
    sid = cli_json(runner, office, "张三", "submit", str(doc), "--title", "t", "--dept", "办公室")[
        "id"
    ]
    one_line_refusal(cli(runner, office, "王领导", "sign", sid, "--approve"), "口令错误")
    rotated = cli_json(runner, office, "王领导", "user", "rotate-key", secret="王领导的新口令-2027")
    assert (
        cli(
            runner, office, "王领导", "sign", sid, "--approve", secret="王领导的新口令-2027"
        ).exit_code
        == 0
    )
    [(pseq, _, p1)] = events(office, "user_passwd")
    [(rseq, _, p2)] = events(office, "key_rotate")
    assert p2["public_key"] == rotated["public_key"] != p1["public_key"]
    assert cli_json(runner, office, "x", "ledger", "verify")["ok"] is True
    # Someone who kept the old key (and the old passphrase) can no longer sign with it.
    with Ledger.open(Config(db_path=office)) as led:
        d = led.accounts.directory()
        spans = d.accounts["王领导"].keys
        assert [s.via for s in spans] == ["enroll", "user_passwd", "key_rotate"]
        assert spans[0].until_seq == pseq + 1 and spans[1].until_seq == rseq + 1


def test_admin_reset_is_loud(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    r = cli(runner, office, ADMIN, "user", "reset-key", "王领导", "--format", "json")
    assert r.exit_code == 0 and "已作废「王领导」的密钥" in r.stderr
    code = json.loads(r.stdout)["enrol_code"]
    doc = write_doc(tmp_path, "a.txt", "pass")
    sid = cli_json(runner, office, "张三", "submit", str(doc), "--title", "t", "--dept", "办公室")[
        "id"
    ]
    one_line_refusal(
        cli(runner, office, "王领导", "sign", sid, "--approve"), "被管理员「管理员」重置"
    )
    again = cli(
        runner,
        office,
        "王领导",
        "user",
        "enroll",
        "王领导",
        "--code",
        code,
        secret="王领导的新口令-2027",
    )
    assert again.exit_code == 0 and "重置了「王领导」的密钥" in again.stderr
    assert (
        cli(
            runner, office, "王领导", "sign", sid, "--approve", secret="王领导的新口令-2027"
        ).exit_code
        == 0
    )
    users = {u["name"]: u for u in cli_json(runner, office, "王领导", "user", "list")}
    assert len(users["王领导"]["resets"]) == 1 and users["王领导"]["key"] == "active"
    audit = cli(runner, office, "孙审计", "audit", "--format", "json")
    data = json.loads(audit.stdout)
    assert any(x.startswith("王领导（") for x in data["stats"]["key_resets"])
    assert "重置过用户密钥" in audit.stderr
    text = cli(runner, office, "孙审计", "audit")
    assert "管理员重置过下列用户的密钥" in text.stdout
    one_line_refusal(cli(runner, office, "张三", "user", "reset-key", "王领导"), "只有管理员")


def test_disabled_user_cannot_act_and_past_events_still_verify(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    doc = write_doc(tmp_path, "a.txt", "pass")
    sid = cli_json(runner, office, "张三", "submit", str(doc), "--title", "t", "--dept", "办公室")[
        "id"
    ]
    assert cli(runner, office, ADMIN, "user", "disable", "张三").exit_code == 0
    one_line_refusal(
        cli(runner, office, "张三", "submit", str(doc), "--title", "t", "--dept", "办公室"),
        "已停用",
    )
    assert cli(runner, office, "王领导", "sign", sid, "--approve").exit_code == 0
    assert cli_json(runner, office, "x", "ledger", "verify")["ok"] is True
    one_line_refusal(
        cli(runner, office, ADMIN, "user", "add", "张三", "--role", "leader"), "已登记"
    )


def test_a_drafter_knowing_only_their_own_passphrase_cannot_act_as_anyone_else(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    """Every route: --as, SECREVIEW_USER, a passphrase file, look-alike and re-added names,
    admin commands. None writes a thing."""
    doc = write_doc(tmp_path, "roster.txt", "block")
    sid = cli_json(
        runner, office, "张三", "submit", str(doc), "--title", "名单", "--dept", "办公室"
    )["id"]
    mine = passphrase("张三")
    pw = tmp_path / "mine.pw"
    pw.write_text(mine, encoding="utf-8")
    pw.chmod(0o600)
    before = head(office)

    def as_flag(who: str, args: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return cli(runner, office, who, *args, secret=mine)

    def as_file(who: str, args: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return runner.invoke(
            main, ["--db", str(office), "--as", who, "--passphrase-file", str(pw), *args]
        )

    def as_env(who: str, args: tuple[str, ...]):  # type: ignore[no-untyped-def]
        return runner.invoke(
            main,
            ["--db", str(office), *args],
            env={"SECREVIEW_USER": who, "SECREVIEW_PASSPHRASE": mine},
        )

    # At most three tries per victim, so the slowdown does not stretch the test.
    attempts = [
        (as_flag, "审查员甲", ("review", sid, "--reject", "--comment", "x")),
        (as_file, "审查员甲", ("review", sid, "--reject", "--comment", "x")),
        (as_flag, "王领导", ("sign", sid, "--approve", "--accept-dismissals")),
        (as_file, "王领导", ("sign", sid, "--approve")),
        (as_env, "王领导", ("sign", sid, "--approve")),
        (as_flag, "钱兼任 ", ("sign", sid, "--approve")),  # trailing space: the same user
        (as_flag, "钱兼任\u3000", ("sign", sid, "--approve")),
        (as_flag, "管理员", ("publish", sid)),
        (as_file, "管理员", ("user", "add", "王领导2", "--role", "leader")),
        (as_env, "管理员", ("user", "reset-key", "王领导")),
        (as_flag, "孙审计", ("ledger", "checkpoint")),
        (as_env, "孙审计", ("audit",)),
    ]
    for route, who, args in attempts:
        one_line_refusal(route(who, args), "口令错误")
    for twin in ("王领\u200b导", "王领导\u202e"):
        one_line_refusal(as_flag(twin, ("sign", sid, "--approve")), "不可见字符")
    for cmd in (
        ("user", "add", "王 领导", "--role", "leader"),
        ("user", "reset-key", "王领导"),
        ("user", "disable", "王领导"),
    ):
        one_line_refusal(cli(runner, office, "张三", *cmd), "只有管理员")
    # With their own passphrase, as themselves, the drafter may not review, sign or publish.
    one_line_refusal(
        cli(runner, office, "张三", "review", sid, "--reject", "--comment", "x"),
        "不能审查自己起草的稿件",
    )
    one_line_refusal(
        cli(runner, office, "张三", "sign", sid, "--approve"), "不能签批自己起草的稿件"
    )
    one_line_refusal(cli(runner, office, "张三", "publish", sid), "尚未经领导签批")
    assert head(office) == before
    assert events(office, "review") == events(office, "sign") == events(office, "publish") == []
    # Nor can an admin add a second leader that reads like the first.
    for twin, says in (("王领导 ", "已登记"), ("王 领导", "难以区分"), ("ｗ王领导", "")):
        r = cli(runner, office, ADMIN, "user", "add", twin, "--role", "leader")
        if says:  # (stderr also carries the notice of the admin's wrong passphrases above)
            assert r.exit_code == 1 and says in r.stderr.strip().splitlines()[-1], r.stderr
        else:
            assert r.exit_code == 0  # a genuinely different name is fine


def test_passphrase_file_rules(office: Path, runner: CliRunner, tmp_path: Path) -> None:
    pw = tmp_path / "p.pw"
    pw.write_text(passphrase("张三") + "\n", encoding="utf-8")
    pw.chmod(0o644)
    args = ["--db", str(office), "--as", "张三", "--passphrase-file", str(pw), "user", "rotate-key"]
    r = runner.invoke(main, args)
    assert r.exit_code == 2 and "权限过宽" in r.stderr and "chmod 600" in r.stderr
    pw.chmod(0o600)
    assert runner.invoke(main, args).exit_code == 0  # one trailing newline is not part of it
    pw.write_text("", encoding="utf-8")
    assert runner.invoke(main, args).exit_code == 2
    r = runner.invoke(main, ["--db", str(office), "--as", "张三", "user", "rotate-key"])
    assert r.exit_code == 2 and "--passphrase-file" in r.stderr  # no terminal, no file, no env


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_passphrase_is_asked_on_a_terminal_without_echo(office: Path, tmp_path: Path) -> None:
    import pty

    doc = write_doc(tmp_path, "a.txt", "pass")
    secret = passphrase("张三")
    env = {k: v for k, v in os.environ.items() if k != "SECREVIEW_PASSPHRASE"}
    env["PYTHONPATH"] = str(SRC)
    argv = [
        PYTHON,
        "-m",
        "secreview",
        "--db",
        str(office),
        "--as",
        "张三",
        "submit",
        str(doc),
        "--title",
        "终端提交",
        "--dept",
        "办公室",
    ]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a real terminal on stdin/stdout/stderr
        os.execve(PYTHON, argv, env)
    out = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if not sent and "口令".encode() in out:
            os.write(fd, (secret + "\n").encode())
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode("utf-8", "replace")
    assert sent, text
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert secret not in text  # not echoed
    assert "已提交" in text

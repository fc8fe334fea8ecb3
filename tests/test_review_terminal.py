"""Reviewing by number and on a terminal (issue 18 part B): `show` numbers the findings,
`review --dismiss 1,3` / `2-4` takes those numbers, and `review ID` alone on a terminal steps
through the open findings one by one — driven here through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from secreview.errors import UsageError
from secreview.numbering import numbered, parse_refs, resolve
from secreview.reasons import DISMISS_REASONS, RETURN_REASONS
from tests.helpers.audit_ledger import ok
from tests.helpers.ledger import SRC, cli, cli_json, head, passphrase
from tests.helpers.pty_session import PtySession

TEXT = (
    "关于公布联系人的通知\n联系人张某某，手机13912345678，身份证号110105196503120216。\n"
    "本材料为内部资料，注意保存。\n"
)


def submit(runner: CliRunner, db: Path, tmp_path: Path, name: str, text: str = TEXT) -> str:
    doc = tmp_path / name
    doc.write_text(text, encoding="utf-8")
    return cli_json(runner, db, "张三", "submit", str(doc), "--title", name, "--dept", "办公室")[
        "id"
    ]


def test_refs_parse_numbers_ranges_and_fingerprints() -> None:
    assert parse_refs("1,3") == [1, 3]
    assert parse_refs("2-4") == [2, 3, 4]
    assert parse_refs("１，３、５～６") == [1, 3, 5, 6]  # full-width, Chinese separators
    assert parse_refs("70752572ee1468bf15e1") == ["70752572ee1468bf15e1"]
    for bad in ("4-2", "一", "1,x", ""):
        with pytest.raises(UsageError):
            parse_refs(bad)
    findings = [
        {"fingerprint": "a" * 20, "severity": "review"},
        {"fingerprint": "b" * 20, "severity": "block"},
        {"fingerprint": "c" * 20, "severity": "info"},
    ]
    assert [f["fingerprint"][0] for _, f in numbered(findings)] == ["b", "a", "c"]
    assert resolve(findings, [1, "a" * 20]) == ["b" * 20, "a" * 20]
    with pytest.raises(UsageError, match="只有 3 个问题"):
        resolve(findings, [4])


def test_show_numbers_findings_and_review_dismisses_by_number(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sid = submit(runner, office, tmp_path, "联系人.txt")
    shown = cli_json(runner, office, "审查员甲", "show", sid)
    numbers = [f["n"] for f in shown["findings"]]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 4
    severities = [f["severity"] for f in shown["findings"]]
    assert severities == sorted(severities, key=["block", "review", "info"].index)
    text = cli(runner, office, "审查员甲", "show", sid).stdout
    for f in shown["findings"]:
        assert f"  {f['n']:>3}. " in text and f["fingerprint"] in text
    assert "review --dismiss 1,3" in text

    before = head(office)
    bad = cli(
        runner, office, "审查员甲", "review", sid, "--approve", "--dismiss", "99", "--reason", "x"
    )
    assert bad.exit_code == 2 and f"只有 {len(numbers)} 个问题" in bad.stderr
    assert head(office) == before

    last = len(numbers)
    args = ["review", sid, "--approve", "--dismiss", f"1-{last - 1}", "--reason", "系示例数据"]
    args += ["--dismiss", str(last), "--reason", "经核对为误报"]
    ok(cli(runner, office, "审查员甲", *args))
    after = cli_json(runner, office, "审查员甲", "show", sid)
    reasons = {f["n"]: (f["dismissal"] or {}).get("reason") for f in after["findings"]}
    assert reasons == {n: "系示例数据" for n in range(1, last)} | {last: "经核对为误报"}
    history = cli(runner, office, "审查员甲", "show", sid).stdout
    assert f"排除第 {last} 号问题：经核对为误报" in history


def pty_review(db: Path, sid: str) -> PtySession:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(SRC),
        SECREVIEW_PASSPHRASE=passphrase("审查员甲"),
        NO_COLOR="1",
        TERM="xterm",
        COLUMNS="140",
    )
    argv = [sys.executable, "-m", "secreview", "--db", str(db), "--as", "审查员甲", "review", sid]
    return PtySession(argv, env)


def test_terminal_review_steps_through_findings(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    # 1. confirm one, dismiss the rest (a listed reason, a typed one, going back once), return
    sid = submit(runner, office, tmp_path, "联系人.txt")
    shown = cli_json(runner, office, "审查员甲", "show", sid)
    todo = [f for f in shown["findings"] if f["severity"] in ("block", "review")]
    s = pty_review(office, sid)
    s.expect(rf"保密审查 {sid}.*{len(todo)} 个问题待逐项审查")
    first = s.expect(r"放弃\(q\) \[c\]: ")
    assert f"[1/{len(todo)}]" in first and todo[0]["fingerprint"] in first
    assert todo[0]["rule"] == "pii.resident_id"  # block first, as show numbers them
    assert "110105********0216" in first and "110105196503120216" not in s.text  # masked
    s.send("d")
    s.expect("排除理由")
    assert f"1. {DISMISS_REASONS[0]}" in s.expect(r"直接输入理由: ")
    s.send("9")  # not on the list: asked again
    s.expect(r"请输入编号 1-\d+")
    s.send("1")
    s.expect(rf"\[2/{len(todo)}\]")
    s.expect(r"\[c\]: ")
    s.send("b")  # back to the first: decide it again
    s.expect(rf"\[1/{len(todo)}\]")
    s.expect(r"\[c\]: ")
    s.send("c")
    for _ in todo[1:]:
        s.expect(r"\[c\]: ")
        s.send("排除")
        s.expect(r"直接输入理由: ")
        s.send("系虚构的示例号码")
    s.expect(f"小结：确认 1 个问题，排除 {len(todo) - 1} 个")
    s.expect(r"退回拟稿人\(r\) / 放弃\(q\) \[r\]: ")  # a confirmed problem: only a return
    s.send("")
    s.expect(r"退回理由")
    s.expect(r"直接输入理由: ")
    s.send("1")
    s.expect(r"确认记入台账？")
    s.send("y")
    s.expect("保密审查退回")
    assert s.wait() == 0, s.text
    after = cli_json(runner, office, "审查员甲", "show", sid)
    assert (
        after["status"] == "returned" and after["version"]["returned_reason"] == RETURN_REASONS[0]
    )
    review = [h for h in after["history"] if h["action"] == "review"][-1]["detail"]
    assert review["decision"] == "reject" and review["confirmed"] == [todo[0]["fingerprint"]]
    assert {d["reason"] for d in review["dismissals"]} == {"系虚构的示例号码"}

    # 2. dismiss everything and approve
    sid2 = submit(runner, office, tmp_path, "联系人二.txt", TEXT.replace("张某某", "李某某"))
    s = pty_review(office, sid2)
    for _ in todo:
        s.expect(r"\[c\]: ")
        s.send("d")
        s.expect(r"直接输入理由: ")
        s.send("2")
    s.expect(r"同意公开\(a\) / 退回拟稿人\(r\) / 放弃\(q\): ")
    s.send("a")
    s.expect(r"审查意见（可留空）")
    s.send("")
    s.expect(r"确认记入台账？")
    s.send("y")
    assert s.wait() == 0, s.text
    after = cli_json(runner, office, "审查员甲", "show", sid2)
    assert after["status"] == "awaiting_signoff"
    assert {f["dismissal"]["reason"] for f in after["findings"] if f["dismissal"]} == {
        DISMISS_REASONS[1]
    }

    # 3. quitting records nothing
    sid3 = submit(runner, office, tmp_path, "联系人三.txt", TEXT.replace("张某某", "王某某"))
    before = head(office)
    s = pty_review(office, sid3)
    s.expect(r"\[c\]: ")
    s.send("q")
    s.expect("已放弃，未记入台账")
    assert s.wait() == 1
    assert head(office) == before


def test_review_without_a_decision_off_a_terminal_is_a_usage_error(
    office: Path, runner: CliRunner, tmp_path: Path
) -> None:
    sid = submit(runner, office, tmp_path, "联系人.txt")
    r = cli(runner, office, "审查员甲", "review", sid)
    assert r.exit_code == 2 and "在终端中只写 review 稿件编号 可逐项审查" in r.stderr
    data = json.loads(cli(runner, office, "审查员甲", "show", sid, "--format", "json").stdout)
    assert data["status"] == "awaiting_review"

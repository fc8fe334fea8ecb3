"""A ledger with items in every state, built through the real workflow (CLI), for audit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from tests.helpers.ledger import cli, cli_json, write_doc

FULL_ID = "110105196503120216"
MASKED_ID = "110105********0216"
BEIJING = timezone(timedelta(hours=8))


def today() -> str:
    return datetime.now(BEIJING).date().isoformat()


def day(offset: int) -> str:
    return (datetime.now(BEIJING).date() + timedelta(days=offset)).isoformat()


@dataclass
class Items:
    ids: dict[str, str] = field(default_factory=dict)  # label → submission id
    titles: dict[str, str] = field(default_factory=dict)  # label → title


def ok(result) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)


def submit(
    runner: CliRunner, db: Path, doc: Path, title: str, who: str = "张三", dept: str = "办公室"
) -> str:
    args = ["submit", str(doc), "--title", title, "--dept", dept, "--channel", "政府网站"]
    return cli_json(runner, db, who, *args)["id"]


def actionable(runner: CliRunner, db: Path, sid: str) -> list[str]:
    shown = cli_json(runner, db, "审查员甲", "show", sid)
    return [f["fingerprint"] for f in shown["findings"] if f["severity"] in ("block", "review")]


def dismiss_all(runner: CliRunner, db: Path, sid: str, reason: str) -> None:
    args = ["review", sid, "--approve"]
    for fp in actionable(runner, db, sid):
        args += ["--dismiss", fp, "--reason", reason]
    ok(cli(runner, db, "审查员甲", *args))


def build_items(runner: CliRunner, db: Path, folder: Path) -> Items:
    """Six items: passed+published, rejected, revised+published, dismissed-and-accepted+
    published, a full resident ID (dismissed, then the leader rejects), and one in 财务科."""
    it = Items()

    def add(label: str, title: str, sid: str) -> None:
        it.ids[label], it.titles[label] = sid, title

    # 1. pass → leader → published; the text carries a 文号
    doc = folder / "植树通知.txt"
    doc.write_text(
        "示林办发〔2026〕7号\n关于开展春季植树活动的通知\n各科室：定于三月十二日在北山组织植树。\n",
        encoding="utf-8",
    )
    sid = submit(runner, db, doc, "春季植树通知")
    ok(cli(runner, db, "王领导", "sign", sid, "--approve"))
    ok(
        cli(
            runner, db, "张三", "publish", sid, "--url", "https://www.example.gov.cn/a/植树通知.txt"
        )
    )
    add("passed", "春季植树通知", sid)

    # 2. review → the reviewer rejects with a reason
    sid = submit(runner, db, write_doc(folder, "电话.html", "review"), "咨询电话公告")
    ok(cli(runner, db, "审查员甲", "review", sid, "--reject", "--comment", "网页注释未清理"))
    add("rejected", "咨询电话公告", sid)

    # 3. block v1 rejected → revision v2 passes → signed → published
    sid = submit(runner, db, write_doc(folder, "大厅.txt", "block"), "大厅开放时间公告")
    ok(cli(runner, db, "审查员甲", "review", sid, "--reject", "--comment", "含密级标志须删除"))
    v2 = write_doc(folder, "大厅-改.txt", "pass", salt="（更正）")
    ok(cli(runner, db, "张三", "submit", str(v2), "--revises", sid))
    ok(cli(runner, db, "王领导", "sign", sid, "--approve"))
    ok(cli(runner, db, "张三", "publish", sid, "--url", "https://www.example.gov.cn/a/dating.html"))
    add("revised", "大厅开放时间公告", sid)

    # 4. block dismissed by the reviewer, accepted by the leader, published
    sid = submit(runner, db, write_doc(folder, "值班.txt", "block", salt="（二）"), "值班安排公告")
    dismiss_all(runner, db, sid, "系引用已解密文件的原标志")
    ok(cli(runner, db, "王领导", "sign", sid, "--approve", "--accept-dismissals"))
    ok(cli(runner, db, "张三", "publish", sid))
    add("dismissed", "值班安排公告", sid)

    # 5. a full, checksum-valid resident ID in the text, the title, a reason and a comment
    doc = folder / "公示.txt"
    doc.write_text(
        f"关于拟表彰人员的公示\n张某某，身份证号{FULL_ID}，办公室科员。\n", encoding="utf-8"
    )
    title = f"表彰公示（{FULL_ID}）"
    sid = submit(runner, db, doc, title)
    dismiss_all(runner, db, sid, f"经核对 {FULL_ID} 系本人同意公开")
    ok(cli(runner, db, "王领导", "sign", sid, "--reject", "--comment", f"须遮盖{FULL_ID}后再报"))
    add("id", title, sid)

    # 6. another department
    doc = write_doc(folder, "预算.txt", "pass", salt="（财务）")
    sid = submit(runner, db, doc, "财务科预算公开说明", who="李四", dept="财务科")
    ok(cli(runner, db, "赵领导", "sign", sid, "--approve"))
    add("finance", "财务科预算公开说明", sid)
    return it

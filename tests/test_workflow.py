"""The approval state machine as pure functions over events, and the service's projections."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from secreview import workflow as wf
from secreview.config import Config
from secreview.errors import Refused
from secreview.model import Event
from secreview.service import Ledger
from tests.helpers.backends import plain
from tests.helpers.ledger import passphrase, write_doc

DRAFTER = wf.User("张三", ("drafter",), ("办公室",))
REVIEWER = wf.User("审查员甲", ("reviewer",))
LEADER = wf.User("王领导", ("leader",), ("办公室",))
OTHER_LEADER = wf.User("赵领导", ("leader",), ("财务科",))
BOTH = wf.User("钱兼任", ("reviewer", "leader"))


def finding(fp: str, severity: str) -> dict[str, Any]:
    return {"rule": f"r.{fp}", "category": "state_secret", "severity": severity, "fingerprint": fp}


def submit_event(seq: int, version: int, verdict: str, findings: list[dict[str, Any]]) -> Event:
    payload = {
        "title": "通知",
        "dept": "办公室",
        "channel": "政府网站",
        "sha256": f"{version:064d}",
        "verdict": verdict,
        "route": wf.route_for(verdict),
        "report": {"findings": findings},
    }
    return Event(seq, f"2026-01-0{seq}T00:00:00Z", "张三", "submit", "2026-0001", version, payload)


def ev(seq: int, actor: str, action: str, payload: dict[str, Any], version: int = 1) -> Event:
    return Event(seq, f"2026-01-0{seq}T00:00:00Z", actor, action, "2026-0001", version, payload)


def state_of(*events: Event) -> wf.SubmissionState:
    st = wf.fold_submission(list(events))
    assert st is not None
    return st


def test_routing() -> None:
    assert wf.route_for("pass") == ["leader"]
    assert wf.route_for("review") == ["reviewer", "leader"]
    assert wf.route_for("block") == ["reviewer", "leader"]
    assert state_of(submit_event(1, 1, "pass", [])).status == "awaiting_signoff"
    assert (
        state_of(submit_event(1, 1, "block", [finding("a", "block")])).status == "awaiting_review"
    )


def test_block_needs_dismissal_and_explicit_leader_acceptance() -> None:
    s1 = submit_event(
        1, 1, "block", [finding("a", "block"), finding("b", "review"), finding("c", "info")]
    )
    st = state_of(s1)
    with pytest.raises(Refused, match="还有 2 个问题未排除"):
        wf.plan_review(st, REVIEWER, True, [], None)
    with pytest.raises(Refused, match="还有 1 个问题未排除（如 b）"):
        wf.plan_review(st, REVIEWER, True, [("a", "引用")], None)
    review = wf.plan_review(st, REVIEWER, True, [("a", "引用"), ("b", "已核实")], "同意")
    assert review["confirmed"] == [] and [d["fingerprint"] for d in review["dismissals"]] == [
        "a",
        "b",
    ]
    st = state_of(s1, ev(2, REVIEWER.name, "review", review))
    assert st.status == "awaiting_signoff"
    with pytest.raises(Refused, match="accept-dismissals"):
        wf.plan_sign(st, LEADER, True, False, None)
    signed = wf.plan_sign(st, LEADER, True, True, None)
    assert signed["accepted"] == ["a"]
    st = state_of(s1, ev(2, REVIEWER.name, "review", review), ev(3, LEADER.name, "sign", signed))
    assert st.status == "signed_off"


def test_rejection_returns_to_drafter_and_revision_starts_over() -> None:
    s1 = submit_event(1, 1, "block", [finding("a", "block")])
    with pytest.raises(Refused, match="须说明理由"):
        wf.plan_review(state_of(s1), REVIEWER, False, [], " ")
    rej = wf.plan_review(state_of(s1), REVIEWER, False, [], "请删除密级标志")
    st = state_of(s1, ev(2, REVIEWER.name, "review", rej))
    assert st.status == "returned" and st.cur.returned_reason == "请删除密级标志"
    assert wf.queue_for(DRAFTER, [st]) == [st]
    st2 = state_of(s1, ev(2, REVIEWER.name, "review", rej), submit_event(3, 2, "pass", []))
    assert st2.current == 2 and st2.status == "awaiting_signoff"
    assert st2.versions[1].status == "superseded"
    assert wf.plan_sign(st2, LEADER, True, False, None)["decision"] == "approve"


def test_separation_of_duties_and_departments() -> None:
    st = state_of(submit_event(1, 1, "review", [finding("b", "review")]))
    drafter_reviewer = wf.User("张三", ("drafter", "reviewer"))
    with pytest.raises(Refused, match="自己起草"):
        wf.plan_review(st, drafter_reviewer, True, [("b", "x")], None)
    with pytest.raises(Refused, match="只有保密审查员"):
        wf.plan_review(st, LEADER, True, [("b", "x")], None)
    review = wf.plan_review(st, BOTH, True, [("b", "x")], None)
    st = state_of(
        submit_event(1, 1, "review", [finding("b", "review")]), ev(2, BOTH.name, "review", review)
    )
    with pytest.raises(Refused, match="不同人员"):
        wf.plan_sign(st, BOTH, True, False, None)
    with pytest.raises(Refused, match="不在其分管的部门"):
        wf.plan_sign(st, OTHER_LEADER, True, False, None)
    assert wf.queue_for(OTHER_LEADER, [st]) == [] and wf.queue_for(BOTH, [st]) == []
    assert wf.queue_for(LEADER, [st]) == [st]


def test_publish_only_after_signoff_by_drafter_or_admin() -> None:
    s1 = submit_event(1, 1, "pass", [])
    with pytest.raises(Refused, match="尚未经领导签批"):
        wf.check_publish(state_of(s1), DRAFTER)
    signed = wf.plan_sign(state_of(s1), LEADER, True, False, None)
    st = state_of(s1, ev(2, LEADER.name, "sign", signed))
    wf.check_publish(st, DRAFTER)
    wf.check_publish(st, wf.User("管理员", ("admin",)))
    with pytest.raises(Refused, match="只有拟稿人"):
        wf.check_publish(st, wf.User("李四", ("drafter",)))


def test_only_admins_add_users_and_names_must_be_distinguishable() -> None:
    admin = wf.User("老周", ("admin",))
    users = {"老周": admin, "王领导": LEADER}
    payload = wf.plan_user_add(users, admin, " 小王 ", ["drafter"], ["办公室"])
    assert payload == {"name": "小王", "roles": ["drafter"], "depts": ["办公室"]}
    with pytest.raises(Refused, match="只有管理员"):
        wf.plan_user_add(users, DRAFTER, "小李", ["drafter"], [])
    with pytest.raises(Refused, match="未知角色"):
        wf.plan_user_add(users, admin, "小李", ["boss"], [])
    with pytest.raises(Refused, match="已登记"):
        wf.plan_user_add(users, admin, "王领导 ", ["leader"], [])  # trailing space: same name
    more = {**users, "王二": DRAFTER, "wang li": DRAFTER}
    for twin, says in (
        ("王领导\u3000", "已登记"),  # ideographic space: NFKC, then trimmed
        ("王 领导", "难以区分"),  # a space inside
        ("王ニ", "难以区分"),  # katakana ニ for 二
        ("王领導", "难以区分"),  # traditional 導 for 导
        ("wаng li", "难以区分"),  # Cyrillic а
        ("Wang  Li", "难以区分"),  # case and doubled space
        ("王领\u200b导", "不可见字符"),  # zero-width space
        ("王领导\u202e", "不可见字符"),  # bidi override
    ):
        with pytest.raises(Refused, match=says):
            wf.plan_user_add(more, admin, twin, ["leader"], [])


def test_drafter_never_signs_or_reviews_own_item_even_with_both_roles() -> None:
    """Mutation guard: the drafter-cannot-sign-own-item check in plan_sign."""
    drafter_leader = wf.User("张三", ("drafter", "leader"), ("办公室",))
    st = state_of(submit_event(1, 1, "pass", []))
    with pytest.raises(Refused, match="不能签批自己起草的稿件"):
        wf.plan_sign(st, drafter_leader, True, False, None)
    with pytest.raises(Refused, match="不能签批自己起草的稿件"):
        wf.plan_sign(st, drafter_leader, False, False, "退回")
    assert wf.plan_sign(st, LEADER, True, False, None)["decision"] == "approve"
    # …and a recorded self-sign is refused when the events are replayed.
    signed = ev(2, "张三", "sign", {"decision": "approve", "sha256": f"{1:064d}"})
    users = {"张三": drafter_leader}
    with pytest.raises(Refused, match="不能签批自己起草的稿件"):
        wf.permitted(st, users, signed)


def test_replay_refuses_what_the_policy_never_allowed() -> None:
    s1 = submit_event(1, 1, "block", [finding("a", "block")])
    users = {u.name: u for u in (DRAFTER, REVIEWER, LEADER, BOTH)}
    wf.permitted(None, users, s1)
    st = state_of(s1)
    bogus_review = ev(2, REVIEWER.name, "review", {"decision": "approve", "dismissals": []})
    with pytest.raises(Refused, match="未排除"):
        wf.permitted(st, users, bogus_review)
    publish = ev(2, DRAFTER.name, "publish", {"sha256": f"{1:064d}"})
    with pytest.raises(Refused, match="尚未经领导签批"):
        wf.permitted(st, users, publish)
    with pytest.raises(Refused, match="未在台账中登记"):
        wf.permitted(st, users, ev(2, "冒名者", "sign", {"decision": "approve"}))


@pytest.fixture
def ledger(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Ledger:
    """The service over a new ledger on each backend (SQLite file, PostgreSQL database)."""
    if backend == "sqlite":
        config = replace(Config(), db_path=tmp_path / "w.db", db_url=None)
    else:
        config = replace(Config(), db_url=request.getfixturevalue("pg_db"))
    led, _ = Ledger.init(config, "管理员", passphrase("管理员"), office="测试局", kdf_cost=15)
    admin = led.unlock("管理员", passphrase("管理员"))
    for name, roles, depts in (("张三", ["drafter"], ["办公室"]), ("王领导", ["leader"], [])):
        code = led.accounts.add_user(admin, name, roles, depts)["enrol_code"]
        led.accounts.enroll(name, code, passphrase(name))
    yield led
    led.close()


def test_projections_rebuild_to_the_same_rows(ledger: Ledger, tmp_path: Path) -> None:
    drafter = ledger.unlock("张三", passphrase("张三"))
    for i in range(3):
        ledger.submit(
            write_doc(tmp_path, f"{i}.txt", "pass", str(i)), "通知", "办公室", None, None, drafter
        )
    leader = ledger.unlock("王领导", passphrase("王领导"))
    ledger.sign(ledger.queue("王领导")[0]["id"], leader, True)
    queries = (
        "SELECT * FROM submissions ORDER BY id",
        "SELECT * FROM versions ORDER BY submission_id, version",
        "SELECT name, roles, depts, active FROM users ORDER BY name",
    )
    with plain(ledger.config.db) as conn:
        before = [conn.execute(x).fetchall() for x in queries]
        conn.execute("DELETE FROM submissions")
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'projection_seq'")
    ledger.close()
    reopened = Ledger.open(ledger.config)  # notices the lag and rebuilds from the events
    with plain(ledger.config.db) as conn:
        after = [conn.execute(x).fetchall() for x in queries]
    assert after == before
    assert len(after[0]) == 3
    reopened.close()


def test_submit_records_report_provenance_and_doc_number(ledger: Ledger, tmp_path: Path) -> None:
    doc = tmp_path / "文.txt"
    doc.write_text(
        "某县人民政府办公室文件\n某政办发〔2025〕7号\n秘密★6个月\n正文。\n", encoding="utf-8"
    )
    drafter = ledger.unlock("张三", passphrase("张三"))
    info = ledger.submit(doc, "关于某事的通知", "办公室", "政府网站", None, drafter)
    [event] = [e for e in ledger.storage.events_for(info["id"]) if e.action == "submit"]
    p = event.payload
    assert p["doc_number"] == "某政办发〔2025〕7号"
    assert p["report"]["verdict"] == "block" and p["report"]["sha256"] == p["sha256"]
    assert p["findings_summary"] == {"state_secret": {"block": 1}}
    import hashlib

    shipped = Path(__file__).resolve().parent.parent / "rules" / "markings.toml"
    assert p["rules"]["rules/markings.toml"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert set(p["model"]) <= {"manifest.json"} and all(len(h) == 64 for h in p["model"].values())
    assert p["filename"] == "文.txt" and p["size"] == doc.stat().st_size
    assert ledger.blobs.get(p["sha256"]) == doc.read_bytes()

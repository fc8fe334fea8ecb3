"""The review desk end to end in real headless Chromium (Debian's, driven by Playwright).

A drafter drops a file on the upload page and submits it, a reviewer dismisses every finding
with a reason and approves, a leader accepts the dismissals and signs (签批确认), the auditor
looks at the 台账 and downloads its PDF. Then the ledger verifies and holds the same kinds of
events, with the same payload fields and the same findings, as the CLI path on the same file.
Every page's screenshot goes to tests/out/desk/ (not committed). No page may break the
Content-Security-Policy or throw a script error.

Skipped, with the reason, when /usr/bin/chromium is absent (.ci/run installs it).
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (/usr/bin/chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) missing")
pytest.importorskip("starlette", reason="the desk extra is not installed")

from secreview.service import Ledger  # noqa: E402
from tests.helpers.desk import desk_config, live_desk, notice_docx  # noqa: E402
from tests.helpers.ledger import cli, cli_json, passphrase  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "out" / "desk"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
TITLE = "关于做好汛期安全防范工作的通知"
REASON = "系示例、虚构或测试数据"


class Browser:
    """One Chromium with a fresh profile; records CSP violations and script errors."""

    def __init__(self, pw: Any, base: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="secreview-chromium-")
        self.context = pw.chromium.launch_persistent_context(
            self.profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1800},
            locale="zh-CN",
            accept_downloads=True,
        )
        self.base = base
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(m.text)
                if m.type == "error" and "Content Security Policy" in m.text
                else None
            ),
        )
        self.shots: list[Path] = []

    def shot(self, name: str) -> None:
        """The whole page; the window made tall enough that the side list (which scrolls on
        its own beside a long document) is seen whole too."""
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{len(self.shots) + 1:02d}-{name}.png"
        tall = self.page.evaluate(
            "Math.max(0, ...Array.from(document.querySelectorAll('.side'),"
            " e => e.scrollHeight + e.getBoundingClientRect().top + window.scrollY + 40))"
        )
        size = self.page.viewport_size
        if tall > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": min(int(tall), 8000)})
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)
        self.shots.append(path)

    def login(self, user: str) -> None:
        p = self.page
        p.goto(self.base + "/login")
        p.fill("input[name=name]", user)
        p.fill("input[name=passphrase]", passphrase(user))
        p.click("form[action='/login'] button[type=submit]")
        p.wait_for_load_state()
        assert "/login" not in p.url, p.inner_text("main")

    def logout(self) -> None:
        self.page.click("form[action='/logout'] button")
        self.page.wait_for_url("**/login")

    def close(self) -> None:
        self.context.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser(office: Path) -> Iterator[Browser]:
    with live_desk(office) as base, sync_api.sync_playwright() as pw:
        b = Browser(pw, base)
        try:
            yield b
        finally:
            b.close()


def drop_file(page: Any, name: str, data: bytes) -> None:
    """Drag a file onto the drop zone, as a user does from their file manager."""
    page.evaluate(
        """([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name));
            const zone = document.getElementById("dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
            }
        }""",
        [name, base64.b64encode(data).decode()],
    )


def actions(db: Path, after: int) -> list[tuple[str, str, dict[str, Any]]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT action, actor, payload FROM events WHERE seq > ? ORDER BY seq", (after,)
        ).fetchall()
    finally:
        conn.close()
    return [(a, u, json.loads(p)) for a, u, p in rows]


def test_drafter_reviewer_leader_auditor_in_a_real_browser(browser, office, tmp_path):
    setup_events = len(actions(office, 0))
    b, page = browser, browser.page
    data = notice_docx(TITLE)

    # -- drafter: drop the file, see the scan at once, submit with title/department/channel
    page.goto(b.base + "/queue")  # not logged in: the login page, which returns here after
    assert "/login?next=%2Fqueue" in page.url
    b.shot("login")
    b.login("张三")
    page.goto(b.base + "/submit")
    b.shot("drafter-upload")
    drop_file(page, "防汛通知.docx", data)
    page.wait_for_url("**/submit/scan")
    assert "不得公开" in page.inner_text(".item-head")
    assert page.locator("mark.sev-block", has_text="秘密★1年").count() == 1
    assert page.locator(".blk.k-residue.p-revision_delete").count() == 1
    b.shot("drafter-scan")
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=channel]", "政府网站")
    page.fill("form[action='/submit/confirm'] input[name=passphrase]", passphrase("张三"))
    page.click("form[action='/submit/confirm'] button[type=submit]")
    page.wait_for_url("**/items/*")
    sid = page.url.rsplit("/", 1)[1]
    assert "待保密审查" in page.inner_text(".item-head")
    b.shot("drafter-item")
    b.logout()

    # -- reviewer: the queue with counts, the document with findings in place, dismiss all
    b.login("审查员甲")
    page.goto(b.base + "/queue")
    assert "等待我处理（1）" in page.inner_text("main")
    b.shot("reviewer-queue")
    page.click(f"a[href='/items/{sid}'] >> nth=0")
    page.wait_for_url(f"**/items/{sid}")
    assert page.locator(".blk.k-residue.p-comment").count() == 1
    assert page.locator("mark", has_text="139****5678").count() >= 1
    assert "13912345678" not in page.content()
    page.click("#item-1 a.locate")  # 在文中定位: the mark comes into view
    assert page.locator("#f-1").is_visible()
    b.shot("reviewer-document")
    choices = page.locator(".side .choice")
    assert choices.count() >= 3
    for i in range(choices.count()):
        box = choices.nth(i)
        box.locator("select").select_option(label=REASON)  # picking a reason selects 排除
        assert box.locator("input[value=dismiss]").is_checked()
    for i in range(page.locator(".groupctl").count()):
        ctl = page.locator(".groupctl").nth(i)
        ctl.locator("select").select_option(label=REASON)
    page.fill(".review-form input[name=passphrase]", passphrase("审查员甲"))
    b.shot("reviewer-dismissed")
    page.click(".review-form button[value=approve]")
    page.wait_for_load_state()
    assert "已记录保密审查意见：同意公开" in page.inner_text("main"), page.inner_text("main")[:600]
    assert "待领导签批" in page.inner_text(".item-head")
    b.shot("reviewer-approved")
    b.logout()

    # -- leader: each dismissal and its reason; accept them and sign (签批确认)
    b.login("王领导")
    page.goto(b.base + f"/items/{sid}")
    panel = page.locator(".panel.sign")
    assert panel.locator("ol.dismissals li").count() >= 3
    assert REASON in panel.inner_text()
    b.shot("leader-sign")
    panel.locator("input[name=accept_dismissals]").check()
    panel.locator("input[name=passphrase]").fill(passphrase("王领导"))
    panel.locator("button[value=approve]").click()
    page.wait_for_load_state()
    assert "已签批，可公开" in page.inner_text(".item-head"), page.inner_text("main")[:600]
    b.shot("leader-signed")
    b.logout()

    # -- auditor: verify status, the 台账 with charts, and the PDF download
    b.login("孙审计")
    page.goto(b.base + "/audit")
    assert "通过" in page.inner_text(".cards3")
    b.shot("auditor-overview")
    page.check("input[name=format][value=html]")
    page.fill("form.filters input[name=passphrase]", passphrase("孙审计"))
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".audit-result svg").count() == 3
    assert TITLE in page.inner_text(".audit-result")
    b.shot("auditor-ledger")
    page.check("input[name=format][value=pdf]")
    page.fill("form.filters input[name=passphrase]", passphrase("孙审计"))
    with page.expect_download() as got:
        page.click("form.filters button[type=submit]")
    pdf = OUT / "保密审查台账.pdf"
    got.value.save_as(str(pdf))
    assert got.value.suggested_filename.endswith(".pdf")
    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
    assert "保密审查台账" in text and TITLE[:6] in text

    assert b.problems == []  # no CSP violation, no script error on any page
    assert len(b.shots) == 12 and all(p.stat().st_size > 10_000 for p in b.shots)

    # -- the ledger verifies and holds what the CLI path writes for the same file
    with Ledger.open(desk_config(office)) as ledger:
        assert ledger.verify().ok
    desk_events = actions(office, setup_events)
    assert [a for a, _, _ in desk_events] == ["submit", "review", "sign", "audit", "audit"]
    cli_events = _cli_path(tmp_path, data, setup_events)
    assert [a for a, _, _ in cli_events] == ["submit", "review", "sign", "audit"]
    by_action = {a: (u, p) for a, u, p in cli_events}
    for action, actor, payload in desk_events:
        cli_actor, cli_payload = by_action[action]
        assert actor == cli_actor, action
        assert set(payload) == set(cli_payload), action
    desk_submit, cli_submit = desk_events[0][2], by_action["submit"][1]
    for key in ("sha256", "verdict", "route", "findings_summary", "doc_number", "rules", "model"):
        assert desk_submit[key] == cli_submit[key], key
    fps = [f["fingerprint"] for f in desk_submit["report"]["findings"]]
    assert fps == [f["fingerprint"] for f in cli_submit["report"]["findings"]]
    assert {d["fingerprint"] for d in desk_events[1][2]["dismissals"]} == {
        d["fingerprint"] for d in by_action["review"][1]["dismissals"]
    }
    assert desk_events[2][2]["accept_dismissals"] is True


def _cli_path(
    tmp_path: Path, data: bytes, setup_events: int
) -> list[tuple[str, str, dict[str, Any]]]:
    """The same file through the CLI, on a fresh copy of the same office."""
    from tests.helpers.ledger import OFFICE, setup_office

    runner = CliRunner()
    db = tmp_path / "cli" / "台账.db"
    db.parent.mkdir()
    setup_office(runner, db)
    assert len(actions(db, 0)) == setup_events == 1 + 2 * len(OFFICE)
    doc = tmp_path / "cli" / "防汛通知.docx"
    doc.write_bytes(data)
    sid = cli_json(
        runner,
        db,
        "张三",
        "submit",
        str(doc),
        "--title",
        TITLE,
        "--dept",
        "办公室",
        "--channel",
        "政府网站",
    )["id"]
    shown = cli_json(runner, db, "审查员甲", "show", sid)
    args = []
    for f in shown["findings"]:
        if f["severity"] in ("block", "review"):
            args += ["--dismiss", f["fingerprint"], "--reason", REASON]
    cli_json(runner, db, "审查员甲", "review", sid, "--approve", *args)
    cli_json(runner, db, "王领导", "sign", sid, "--approve", "--accept-dismissals")
    r = cli(runner, db, "孙审计", "audit", "-o", str(tmp_path / "cli" / "台账.pdf"))
    assert r.exit_code == 0, r.stderr
    return actions(db, setup_events)

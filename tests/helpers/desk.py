"""Helpers for the review desk's tests: an app over a test ledger, login over real HTTP, the
CSRF token of a page, a live server on a loopback port, and a sample notice (DOCX) with the
kinds of findings a reviewer meets: a secret-level marking (block), a personal mobile
number (review), a tracked deletion and a comment (residue)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from secreview.config import Config
from tests.helpers import docx_builder as dx
from tests.helpers.ledger import passphrase

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def desk_config(db: Path, **changes: Any) -> Config:
    return replace(Config(), db_path=db, **changes)


def make_app(db: Path, scanner: Any = None, config: Config | None = None, **options: Any) -> Any:
    from secreview.desk.app import DeskOptions, create_app

    opts = {"allowed_hosts": ("testserver",), **options}
    return create_app(config or desk_config(db), DeskOptions(**opts), scanner=scanner)


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "the page has no form with a CSRF token"
    return m.group(1)


def token(client: Any) -> str:
    """The CSRF token of the client's current session (read from a page, as a browser does)."""
    return csrf_of(client.get("/login" if not logged_in(client) else "/queue").text)


def logged_in(client: Any) -> bool:
    return client.get("/queue", follow_redirects=False).status_code == 200


def login(client: Any, user: str, secret: str | None = None, next_: str = "/") -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "name": user,
            "passphrase": passphrase(user) if secret is None else secret,
            "next": next_,
        },
        follow_redirects=False,
    )


def field(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert m, f"no field {name}"
    return m.group(1)


def notice_docx(title: str = "关于做好汛期安全防范工作的通知") -> bytes:
    d = dx.new_document()
    d.add_paragraph("秘密★1年")
    d.add_paragraph(title)
    p = d.add_paragraph("各科室：入汛以来降雨偏多，请各单位落实值班制度，值班电话见附表。")
    d.add_comment(p.runs, text="附表请先删去个人手机号再发", author="赵六", initials="ZL")
    d.add_paragraph("联系人：防汛办公室 王某，联系电话 13912345678。")
    dx.append_xml_paragraph(
        d, dx.run("请于六月十日前报送排查情况。") + dx.dele("内部掌握，不得外传。", 1)
    )
    return dx.to_bytes(d)


@contextmanager
def live_desk(db: Path, **options: Any) -> Iterator[str]:
    """The desk served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from secreview.desk.app import DeskOptions, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(desk_config(db), DeskOptions(port=port, **options))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the desk did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)

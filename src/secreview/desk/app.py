"""The desk application: its shared state and the route table.

Every route is built by :func:`secreview.desk.web.guarded` (login, CSRF, errors in one place);
the handlers in ``pages_*.py`` are thin functions over the same core API as the CLI
(:class:`secreview.service.Ledger`), which checks every role and department itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from secreview.config import Config
from secreview.desk import filters
from secreview.desk.scanner import Scanner
from secreview.desk.sessions import COOKIE, SECURE_COOKIE, SessionStore
from secreview.desk.staging import Staging
from secreview.desk.web import Ctx, Handler, Shield, guarded
from secreview.service import Ledger
from secreview.services.accounts import LOCK_AFTER, LOCK_MINUTES

FORM_SLACK = 1024 * 1024  # room for the form's other fields besides the file
USERS_TTL = 5.0
READ_CACHE = 64


@dataclass(frozen=True)
class DeskOptions:
    """How the desk is served (``secreview serve`` fills these in)."""

    host: str = "127.0.0.1"
    port: int = 8765
    tls: bool = False  # served over TLS (or behind a TLS proxy): Secure cookies, HSTS
    idle_minutes: float = 20.0
    allowed_hosts: tuple[str, ...] = ()
    scan_workers: int = 1
    warm_up: bool = False  # start the scan workers at startup


@dataclass
class Desk:
    config: Config
    options: DeskOptions
    sessions: SessionStore
    scanner: Scanner
    staging: Staging
    env: jinja2.Environment
    _rule_names: dict[str, str] = field(default_factory=dict)
    _users: tuple[float, dict[str, Any]] = (0.0, {})
    _reads: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cookie_name(self) -> str:
        return SECURE_COOKIE if self.options.tls else COOKIE

    @contextlib.contextmanager
    def ledger(self) -> Iterator[Ledger]:
        """The ledger for one request (SQLite connections belong to one thread)."""
        ledger = Ledger.open(self.config)
        try:
            yield ledger
        finally:
            ledger.close()

    def at_head(self, ledger: Ledger, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` (a read of the core), reused while the ledger's head is unchanged.

        Every answer of the core's reads depends only on the events, and the head hash covers
        all of them (users and roles too), so an answer kept under (key, head) is the answer
        the core would give again. Saves folding every waiting item on each queue view.
        """
        full = (key, ledger.storage.head())
        with self._cache_lock:
            if full in self._reads:
                self._reads.move_to_end(full)
                return self._reads[full]
        value = compute()
        with self._cache_lock:
            self._reads[full] = value
            while len(self._reads) > READ_CACHE:
                self._reads.popitem(last=False)
        return value

    def rule_names(self) -> dict[str, str]:
        if not self._rule_names:
            from secreview.rules import load_ruleset

            self._rule_names = {
                r.id: r.name or r.id for r in load_ruleset(self.config.rules_dirs).rules
            }
        return self._rule_names

    def rule_name(self, rule_id: str) -> str:
        """A rule's Chinese name (a pack's own, else residue/classifier names, else the id)."""
        from secreview.rules.names import rule_name

        return self.rule_names().get(rule_id) or rule_name(rule_id)

    def render(self, template: str, ctx: Ctx, status: int = 200, **values: Any) -> HTMLResponse:
        flashes, ctx.session.flash = ctx.session.flash, []
        if "me" not in values:
            values["me"] = None
            if ctx.session.user is not None:
                with contextlib.suppress(Exception):
                    values["me"] = self._who(ctx.session.user)
        html = self.env.get_template(template).render(
            csrf_token=ctx.session.csrf,
            flashes=flashes,
            office=self.config.office,
            path=ctx.request.url.path,
            idle_minutes=round(self.options.idle_minutes),
            lock_after=LOCK_AFTER,
            lock_minutes=LOCK_MINUTES,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def _who(self, name: str) -> Any:
        """Who is logged in, for the page header (display only: the core decides; cached for
        a few seconds so a page does not open the ledger twice)."""
        stamp, users = self._users
        now = time.monotonic()
        if now - stamp > USERS_TTL or name not in users:
            with self.ledger() as ledger:
                users = ledger.users()
            self._users = (now, users)
        return users.get(name)

    def error(self, ctx: Ctx, status: int, message: str) -> HTMLResponse:
        return self.render("error.html", ctx, status=status, message=message, status_code=status)


def _environment(config: Config) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("secreview.desk", "templates"),
        autoescape=True,  # every value is escaped unless a template says otherwise (none does)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(env, config.clock())
    return env


def allowed_hosts(options: DeskOptions) -> frozenset[str]:
    names = {"localhost", "127.0.0.1", "::1", *(h.lower() for h in options.allowed_hosts)}
    if options.host not in ("0.0.0.0", "::", ""):
        names.add(options.host.strip("[]").lower())
    else:
        names.add(socket.gethostname().lower())
    return frozenset(names)


def create_app(
    config: Config, options: DeskOptions | None = None, *, scanner: Scanner | None = None
) -> Starlette:
    """The desk as an ASGI app (uvicorn runs it; tests drive it over HTTP).

    ``scanner``: a worker pool to share (several apps in one test run); otherwise the app makes
    its own and stops it at shutdown.
    """
    from secreview.desk import pages_audit, pages_auth, pages_items, pages_submit

    options = options or DeskOptions()
    owns_scanner = scanner is None
    desk = Desk(
        config=config,
        options=options,
        sessions=SessionStore(idle=options.idle_minutes * 60),
        scanner=scanner or Scanner(config, options.scan_workers),
        staging=Staging(),
        env=_environment(config),
    )
    desk.env.globals["rule_name"] = desk.rule_name

    def page(
        path: str, handler: Handler, methods: tuple[str, ...] = ("GET",), public: bool = False
    ) -> Route:
        return Route(
            path,
            guarded(desk, handler, public=public),
            methods=list(methods),
            name=handler.__name__,
        )

    routes = [
        page("/login", pages_auth.login_form, public=True),
        page("/login", pages_auth.login, ("POST",), public=True),
        page("/logout", pages_auth.logout, ("POST",)),
        page("/session/alive", pages_auth.alive),
        page("/", pages_items.home),
        page("/queue", pages_items.queue),
        page("/items/{sid}", pages_items.item),
        page("/items/{sid}/review", pages_items.review, ("POST",)),
        page("/items/{sid}/sign", pages_items.sign, ("POST",)),
        page("/items/{sid}/publish", pages_items.publish, ("POST",)),
        page("/items/{sid}/reveal", pages_items.reveal, ("POST",)),
        page("/submit", pages_submit.upload_form),
        page("/submit/scan", pages_submit.scan, ("POST",)),
        page("/submit/confirm", pages_submit.confirm, ("POST",)),
        page("/audit", pages_audit.overview),
        page("/audit", pages_audit.generate, ("POST",)),
        page("/audit/checkpoint", pages_audit.checkpoint, ("POST",)),
        Mount(
            "/static", StaticFiles(directory=str(files("secreview.desk") / "static")), name="static"
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if options.warm_up:
            desk.scanner.warm_up()
        try:
            yield
        finally:
            if owns_scanner:
                desk.scanner.close()
            desk.staging.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.desk = desk
    app.add_middleware(
        Shield,
        allowed_hosts=allowed_hosts(options),
        max_body=config.limits.max_file_bytes + FORM_SLACK,
        tls=options.tls,
    )
    return app

"""The one place every desk request passes through: sessions, login, CSRF, errors, headers.

- :class:`Shield` (ASGI, outermost): security headers on every response, the Host check
  (a page reached through another name — DNS rebinding — is refused), and the body limit
  (the core's file limit plus 1 MiB for the form; counted as it arrives, not trusted from
  Content-Length alone).
- :func:`guarded` wraps every route handler: it finds the session (or starts an anonymous
  one), sends a visitor who is not logged in to the login page (GET) or refuses (anything
  else), parses the form and checks its CSRF token against the session's secret
  (constant-time) and the Origin header, runs the handler in a worker thread with a
  :class:`Ctx`, and turns the core's errors into a page with one clear line. Handlers are
  plain functions over the core; none of them checks a token or a login itself.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secreview.errors import InputError, Refused, SecreviewError, TooLarge

if TYPE_CHECKING:
    from secreview.desk.app import Desk
    from secreview.desk.sessions import Session
    from secreview.ledger.signing import Signer
    from secreview.service import Ledger

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD"})
CSRF_FIELD = "csrf_token"
MAX_FIELDS = 20_000  # a review form has up to three fields per finding
MAX_PART_BYTES = 256 * 1024  # one text field

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


class BodyTooLarge(Exception):
    pass


def _host_of(header: str) -> str:
    """The host part of a Host header ("[::1]:8765" → "::1", "a.b:80" → "a.b")."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1 : h.find("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class Shield:
    """Outermost ASGI middleware: headers, Host check, body limit."""

    def __init__(
        self, app: ASGIApp, *, allowed_hosts: frozenset[str], max_body: int, tls: bool
    ) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.max_body = max_body
        self.tls = tls

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        out = [
            (b"content-security-policy", CSP.encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),  # no-referrer would make Origin "null"
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if not path.startswith("/static/"):
            out.append((b"cache-control", b"no-store"))
        if self.tls:
            out.append((b"strict-transport-security", b"max-age=31536000"))
        return out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in names
                ]
            await send(message)

        headers = dict(scope.get("headers") or [])
        host = _host_of(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.allowed_hosts:
            await _plain(
                send_with_headers, 400, "错误：不接受此主机名的访问（Host 不在允许列表中）"
            )
            return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                too_big = True
            if too_big:
                await _plain(send_with_headers, 413, "错误：上传内容超过大小上限")
                return
        seen = 0
        limit = self.max_body

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, counted, send_with_headers)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (no scheme, host or //)."""
    if not target or any(ord(c) < 0x20 or c == "\\" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Ctx:
    """One request as a handler sees it (the guard has checked login and CSRF already)."""

    desk: Desk
    request: Request
    session: Session
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadFile] = field(default_factory=dict)
    new_cookie: str | None = None
    clear_cookie: bool = False

    @property
    def user(self) -> str:
        assert self.session.user is not None
        return self.session.user

    @property
    def params(self) -> Any:
        return self.request.query_params

    def login(self, name: str) -> None:
        """A new session for ``name`` (the old id is dropped: no session fixation)."""
        self.desk.sessions.drop(self.session)
        self.new_cookie, self.session = self.desk.sessions.new(name)

    def logout(self) -> None:
        self.desk.sessions.drop(self.session)
        self.clear_cookie = True

    def flash(self, message: str) -> None:
        self.session.flash.append(message)

    def unlock(self, ledger: Ledger, passphrase: str | None, what: str) -> Signer:
        """The caller's key for this one request, from the passphrase typed in this form."""
        if not passphrase:
            raise Refused(f"请输入您的口令：{what}须以本人口令签名（口令不会被保存）")
        try:
            signer = ledger.unlock(self.user, passphrase, what, lockout=True)
        except Refused as e:
            if e.code == "locked":  # stop a guesser who holds a session, too
                self.logout()
            raise
        if signer.failures is not None:
            f, clock = signer.failures, self.desk.config.clock()
            self.flash(
                f"注意：自上次使用以来，您的口令被输错 {f.count} 次（{clock.show(f.first)} 至 "
                f"{clock.show(f.last)}），已记入台账；如非本人所为，请报告管理员"
            )
        return signer

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        return self.desk.render(template, self, status=status, **values)

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


Handler = Callable[..., Response]


def _status_for(err: SecreviewError) -> int:
    if isinstance(err, TooLarge):
        return 413
    if isinstance(err, Refused):
        return 403
    if isinstance(err, InputError):
        return 400
    return 400


def guarded(
    desk: Desk, handler: Handler, *, public: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``handler``: every route of the desk is made by this function."""

    async def endpoint(request: Request) -> Response:
        cookie = request.cookies.get(desk.cookie_name)
        session = desk.sessions.get(cookie)
        fresh: str | None = None
        if session is None:
            fresh, session = desk.sessions.new()
        ctx = Ctx(desk, request, session)
        try:
            response = await _dispatch(desk, handler, ctx, request, public, fresh is not None)
        finally:
            for upload in ctx.files.values():
                await upload.close()
        if ctx.clear_cookie:
            response.delete_cookie(
                desk.cookie_name,
                path="/",
                secure=desk.options.tls,
                httponly=True,
                samesite="strict",
            )
        cookie_value = ctx.new_cookie or (fresh if not ctx.clear_cookie else None)
        if cookie_value:
            response.set_cookie(
                desk.cookie_name,
                cookie_value,
                path="/",
                httponly=True,
                samesite="strict",
                secure=desk.options.tls,
            )
        return response

    endpoint.guarded = True  # type: ignore[attr-defined]  # tests check every route has it
    endpoint.public = public  # type: ignore[attr-defined]
    return endpoint


async def _dispatch(
    desk: Desk, handler: Handler, ctx: Ctx, request: Request, public: bool, fresh: bool
) -> Response:
    method = request.method
    if method not in SAFE_METHODS:
        if not _same_origin(request):
            return desk.error(ctx, 403, "请求来源不明（Origin 与本站不符），已拒绝")
    if not public and ctx.session.user is None:
        if method in SAFE_METHODS:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return desk.error(ctx, 403, "请先登录（会话已结束或尚未登录）")
    if method not in SAFE_METHODS:
        try:
            formdata = await request.form(
                max_files=2, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES
            )
        except BodyTooLarge:
            return desk.error(ctx, 413, "上传内容超过大小上限，未作处理")
        except Exception as e:  # noqa: BLE001 — malformed multipart or urlencoded body
            log.info("bad form body: %s", type(e).__name__)
            return desk.error(ctx, 400, "表单内容无法解析，请刷新页面后重试")
        for key, value in formdata.multi_items():
            if isinstance(value, UploadFile):
                ctx.files[key] = value
            else:
                ctx.form[key] = value
        token = ctx.form.get(CSRF_FIELD, "")
        if (
            fresh
            or not token
            or not hmac.compare_digest(
                token.encode("utf-8", "surrogatepass"), ctx.session.csrf.encode()
            )
        ):
            return desk.error(ctx, 403, "表单已过期或来源不明（CSRF 校验未通过），请刷新页面后重试")
    try:
        return await run_in_threadpool(handler, ctx, **request.path_params)
    except BodyTooLarge:
        return desk.error(ctx, 413, "上传内容超过大小上限，未作处理")
    except SecreviewError as e:
        return desk.error(ctx, _status_for(e), e.message)
    except Exception:  # noqa: BLE001 — one line for the user, the details in the log
        log.exception("desk handler failed: %s %s", method, request.url.path)
        return desk.error(ctx, 500, "内部错误，操作未完成；请稍后重试或联系管理员")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # old browsers, scripts: the CSRF token still decides
    parts = urlsplit(origin)
    host = request.headers.get("host", "")
    return bool(parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower())

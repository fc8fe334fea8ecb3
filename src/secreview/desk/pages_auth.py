"""登录 / 退出. Login proves identity by unlocking the user's key once with the passphrase
(the core checks it, records a failure, slows down and locks after repeated ones); the key
is dropped at once and the session keeps only the name."""

from __future__ import annotations

from starlette.responses import Response

from secreview.desk.web import Ctx, safe_next
from secreview.errors import Refused

# The core's own words for these would tell a stranger whether a name is registered.
_VAGUE = ("bad_passphrase",)


def login_form(ctx: Ctx) -> Response:
    if ctx.session.user is not None:
        return ctx.redirect(safe_next(ctx.params.get("next")))
    return ctx.render("login.html", next=safe_next(ctx.params.get("next")), name="", error=None)


def login(ctx: Ctx) -> Response:
    name = ctx.form.get("name", "").strip()
    passphrase = ctx.form.get("passphrase", "")
    target = safe_next(ctx.form.get("next"))
    if not name or not passphrase:
        return ctx.render(
            "login.html", status=400, next=target, name=name, error="请输入用户名和口令"
        )
    try:
        with ctx.desk.ledger() as ledger:
            signer = ledger.unlock(name, passphrase, "登录审查台", lockout=True)
            user = signer.name
            failures = signer.failures
            del signer  # identity proven; the key is not kept
    except Refused as e:
        unknown = "未在台账中登记" in e.message
        message = "用户名或口令不正确" if e.code in _VAGUE or unknown else e.message
        return ctx.render("login.html", status=403, next=target, name=name, error=message)
    ctx.login(user)
    clock = ctx.desk.config.clock()
    if failures is not None:
        ctx.flash(
            f"注意：自上次使用以来，您的口令被输错 {failures.count} 次（{clock.show(failures.first)}"
            f" 至 {clock.show(failures.last)}），将在您的下一次签名操作时记入台账；"
            "如非本人所为，请报告管理员"
        )
    return ctx.redirect(target)


def logout(ctx: Ctx) -> Response:
    ctx.logout()
    return ctx.redirect("/login")


def alive(ctx: Ctx) -> Response:
    """The page is being used (the script reports typing or clicking, at most every few
    minutes): the guard has already restarted the session's idle clock. An unattended page
    sends nothing, so its session still ends."""
    return Response(status_code=204)

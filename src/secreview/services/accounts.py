"""Users and their keys — the application service behind ``init`` and ``user …``.

Authentication happens here, in the core: :meth:`Accounts.unlock` turns a name and a
passphrase into a :class:`~secreview.ledger.signing.Signer` (the user's decrypted key), and
:meth:`Accounts.authorize` — run inside every write transaction — accepts a Signer only if its
key is the one the (verified) key history says the user holds now. ``--as`` is only a claim.

- Wrong passphrase: a :class:`Refused` (one line, exit 1), the events untouched; the failure
  is written to the backend's ``auth_failures`` log. From the 4th failure on, each attempt
  waits 1, 2, 4 … (at most 30) seconds before the key derivation runs. The user's next signed
  action first records an ``auth_failures`` event (count, first, last) in the chain — the
  audit lists them — and the user is told.
- An admin's ``reset-key`` voids the user's key and issues a new enrolment code. It is loud:
  its own event, listed in the audit, and told to the user when they enrol again or when their
  old passphrase no longer opens anything.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from secreview import workflow as wf
from secreview.directory import (
    IDENTITY_ACTIONS,
    Account,
    Directory,
    EnrollPayload,
    InitPayload,
    KeyChangePayload,
    KeyResetPayload,
    UserAddPayload,
)
from secreview.errors import Refused, UsageError
from secreview.ledger.keys import (
    DEFAULT_COST,
    ENROL_HOURS,
    KeyUnlockError,
    decrypt_private,
    encrypt_private,
    enrol_key,
    enrol_message,
    kdf_params,
    new_enrol_code,
    new_private_key,
    passphrase_problem,
    public_hex,
)
from secreview.ledger.signing import AuthFailures, Signer
from secreview.ledger.storage import SCHEMA_VERSION, Storage
from secreview.model import Event
from secreview.services.projections import project_users

Clock = Callable[[], datetime]
FREE_ATTEMPTS = 3
MAX_DELAY_S = 30
# Lockout (for the review desk, reached over the network): LOCK_AFTER wrong passphrases within
# LOCK_MINUTES lock the account until LOCK_MINUTES after the last of them.
LOCK_AFTER = 5
LOCK_MINUTES = 15


def _append(tx: Storage, signer: Signer, action: str, payload: dict[str, Any], ts: str) -> Event:
    """chain.append of an identity event (no item). The chain is imported by the first write,
    not with this module: ``queue`` reads the accounts and writes nothing (issue 17)."""
    from secreview.ledger.chain import append

    return append(tx, signer, action, None, None, payload, ts)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def delay_for(failures: int) -> float:
    """Seconds to wait before checking a passphrase after ``failures`` recent failures."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return float(min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_S))


def _who(name: str, what: str) -> str:
    return f"「{name}」不能{what}"


def _show(ts: str) -> str:
    from secreview.clock import show_time

    return show_time(ts)


def reset_notice(acct: Account) -> str | None:
    """What to tell a user whose current key came from an admin's reset."""
    cur = acct.current
    if cur is None or cur.via != "reset_enroll" or not acct.resets:
        return None
    r = acct.resets[-1]
    return (
        f"注意：管理员「{r.admin}」于 {_show(r.ts)}重置了「{acct.name}」的密钥，"
        "原密钥已作废；如非本人申请，请立即报告保密工作机构"
    )


class Accounts:
    """Identity over one ledger's storage (the CLI and, later, the desk call the same)."""

    def __init__(
        self,
        storage: Storage,
        *,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.storage = storage
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep

    def now(self) -> str:
        return iso(self.clock())

    # -- the key history ---------------------------------------------------------------------

    def directory(self, tx: Storage | None = None, *, strict: bool = True) -> Directory:
        """The verified identity fold; ``strict``: refuse when any identity event is bad."""
        d = Directory.fold((tx or self.storage).raw_with_actions(IDENTITY_ACTIONS), check=True)
        if strict and d.problems:
            seq, reason = d.problems[0]
            raise Refused(
                f"台账的用户/密钥记录校验失败（第 {seq} 条）：{reason}；"
                "在 secreview ledger verify 通过之前不能写入"
            )
        return d

    def unverified(self) -> Directory:
        """The identity fold without checking signatures — for reads and early refusals only
        (``queue``, ``show``, the check before a scan); every write
        authorizes against :meth:`directory`."""
        return Directory.fold(self.storage.raw_with_actions(IDENTITY_ACTIONS), check=False)

    def authorize(
        self, tx: Storage, signer: Signer, what: str, *, report: bool = True
    ) -> tuple[wf.User, Directory]:
        """Inside a write transaction: the signer's key must be the user's current key.
        ``report=False`` (a read-only ledger): wrong passphrases are not written down."""
        d = self.directory(tx)
        acct = d.accounts.get(signer.name)
        if acct is None:
            raise Refused(f"用户「{signer.name}」未在台账中登记，不能{what}")
        if not acct.active:
            raise Refused(f"用户「{signer.name}」已停用，不能{what}")
        cur = acct.current
        if cur is None or cur.public != signer.public:
            raise Refused(
                f"{_who(signer.name, what)}：所用密钥不是其当前有效的密钥（已更换或被重置），请重新输入口令"
            )
        if report:
            self._report_failures(tx, signer)
        return acct.user(), d

    def _report_failures(self, tx: Storage, signer: Signer) -> None:
        fails = tx.auth_failures(signer.name)
        if fails:
            payload = {
                "name": signer.name,
                "count": len(fails),
                "first": fails[0],
                "last": fails[-1],
            }
            _append(tx, signer, "auth_failures", payload, self.now())
            tx.clear_auth_failures(signer.name)

    def project_users(self, tx: Storage, d: Directory | None = None) -> None:
        project_users(tx, d if d is not None else self.directory(tx, strict=False))

    # -- unlocking ---------------------------------------------------------------------------

    def locked_until(self, name: str) -> datetime | None:
        """When the lock on ``name`` ends, or None: LOCK_AFTER failures (the same log that slows
        guessing down) within LOCK_MINUTES lock it until LOCK_MINUTES after the last one."""
        fails = [parse_iso(ts) for ts in self.storage.auth_failures(name)]
        if len(fails) < LOCK_AFTER:
            return None
        window = timedelta(minutes=LOCK_MINUTES)
        recent = fails[-LOCK_AFTER:]
        if recent[-1] - recent[0] > window:
            return None
        until = recent[-1] + window
        return until if until > self.clock() else None

    def check_lockout(self, name: str | None, what: str = "操作") -> None:
        """Refuse (code ``locked``) while the account is locked; nothing is written."""
        if not name:
            return
        name = wf.user_name(name)
        until = self.locked_until(name)
        if until is not None:
            raise Refused(
                f"「{name}」的口令已连续输错 {LOCK_AFTER} 次，账号锁定至 {_show(iso(until))}，"
                f"暂不能{what}；如非本人所为，请报告管理员",
                code="locked",
            )

    def unlock(self, name: str | None, passphrase: str, what: str = "操作") -> Signer:
        """The user's key, opened with their passphrase — or a refusal (nothing written but
        the failure log)."""
        if not name:
            raise Refused(f"无法确定操作者身份，不能{what}：请用 --as 或 SECREVIEW_USER 指定用户")
        name = wf.user_name(name)
        fails = self.storage.auth_failures(name)
        wait = delay_for(len(fails))
        if wait:
            self.sleep(wait)
        d = self.directory()
        acct = d.accounts.get(name)
        if acct is None:
            raise Refused(
                f"用户「{name}」未在台账中登记，不能{what}：请管理员先用 secreview user add 登记"
            )
        if not acct.active:
            raise Refused(f"用户「{name}」已停用，不能{what}")
        cur = acct.current
        if cur is None:
            if acct.resets and acct.offer is not None:
                r = acct.resets[-1]
                raise Refused(
                    f"{_who(name, what)}：其密钥已于 {_show(r.ts)}被管理员「{r.admin}」重置，"
                    "须用新的登记码重新登记（secreview user enroll）；如非本人申请，请立即报告"
                )
            raise Refused(
                f"{_who(name, what)}：尚未启用——请用管理员发给您的登记码运行 "
                f"secreview user enroll {name} --code 登记码"
            )
        try:
            key = decrypt_private(cur.blob, name, cur.public, passphrase)
        except KeyUnlockError:
            self.storage.record_auth_failure(name, self.now())
            extra = ""
            notice = reset_notice(acct)
            if notice:
                extra = "；" + notice
            raise Refused(
                f"口令错误：「{name}」的口令不对，未做任何操作{extra}", code="bad_passphrase"
            ) from None
        failures = AuthFailures(len(fails), fails[0], fails[-1]) if fails else None
        return Signer.of(name, key, failures)

    # -- creating the ledger -----------------------------------------------------------------

    def create(
        self, admin: str, passphrase: str, office: str | None, kdf_cost: int = DEFAULT_COST
    ) -> dict[str, Any]:
        """The ``init`` event: the ledger and its first admin together (no other bootstrap)."""
        name = wf.user_name(admin)
        why = passphrase_problem(passphrase, name)
        if why:
            raise UsageError(f"不能以此口令建立台账：{why}")
        try:
            kdf = kdf_params(kdf_cost)
        except ValueError as e:
            raise UsageError(str(e)) from e
        if self.storage.head()[0]:
            raise Refused(self._exists())
        key = new_private_key()
        blob = encrypt_private(key, name, passphrase, kdf)
        signer = Signer.of(name, key)
        with self.storage.write() as tx:
            if tx.head()[0]:
                raise Refused(self._exists())
            payload: InitPayload = {
                "ledger_id": uuid.uuid4().hex,
                "schema": SCHEMA_VERSION,
                "office": (office or "").strip() or None,
                "kdf": kdf,
                "name": name,
                "public_key": signer.public,
                "key": blob,
            }
            ev = _append(tx, signer, "init", dict(payload), self.now())
            self.project_users(tx)
        return {
            "created": True,
            "admin": name,
            "ledger_id": payload["ledger_id"],
            "office": payload["office"],
            "kdf": kdf,
            "events": ev.seq,
            "head": ev.hash,
            "schema": SCHEMA_VERSION,
        }

    def _exists(self) -> str:
        n = self.storage.head()[0]
        return f"台账已存在（{n} 条记录），未做改动；新用户由管理员用 secreview user add 登记"

    # -- admin actions -----------------------------------------------------------------------

    def _expiry(self) -> str:
        return iso(self.clock() + timedelta(hours=ENROL_HOURS))

    def add_user(
        self, signer: Signer, name: str, roles: Sequence[str] | str, depts: Sequence[str] = ()
    ) -> dict[str, Any]:
        roles = [roles] if isinstance(roles, str) else list(roles)
        depts = [d.strip() for d in depts if d.strip()]
        code = new_enrol_code()
        with self.storage.write() as tx:
            admin, d = self.authorize(tx, signer, f"登记用户「{name}」")
            plan = wf.plan_user_add(d.users(), admin, name, roles, depts)
            payload: UserAddPayload = {
                "name": plan["name"],
                "roles": plan["roles"],
                "depts": plan["depts"],
                "enrol_key": code.public,
                "enrol_expires": self._expiry(),
            }
            ev = _append(tx, signer, "user_add", dict(payload), self.now())
            self.project_users(tx)
        return {
            "user": {"name": payload["name"], "roles": payload["roles"], "depts": depts},
            "enrol_code": code.code,
            "enrol_expires": payload["enrol_expires"],
            "seq": ev.seq,
        }

    def reset_key(self, signer: Signer, name: str) -> dict[str, Any]:
        name = wf.user_name(name)
        code = new_enrol_code()
        with self.storage.write() as tx:
            admin, d = self.authorize(tx, signer, f"重置用户「{name}」的密钥")
            wf.check_key_reset(d.users(), admin, name)
            payload: KeyResetPayload = {
                "name": name,
                "enrol_key": code.public,
                "enrol_expires": self._expiry(),
            }
            ev = _append(tx, signer, "key_reset", dict(payload), self.now())
            self.project_users(tx)
        return {
            "name": name,
            "enrol_code": code.code,
            "enrol_expires": payload["enrol_expires"],
            "seq": ev.seq,
            "reset_by": signer.name,
        }

    def disable(self, signer: Signer, name: str) -> dict[str, Any]:
        name = wf.user_name(name)
        with self.storage.write() as tx:
            admin, d = self.authorize(tx, signer, f"停用用户「{name}」")
            payload = wf.plan_user_disable(d.users(), admin, name)
            ev = _append(tx, signer, "user_disable", payload, self.now())
            self.project_users(tx)
        return {"disabled": name, "seq": ev.seq}

    # -- the user's own actions ---------------------------------------------------------------

    def enroll(self, name: str, code: str, passphrase: str) -> dict[str, Any]:
        """Set a passphrase with the one-time code: a key pair is made, its public key recorded."""
        name = wf.user_name(name)
        what = "启用账号"
        why = passphrase_problem(passphrase, name)
        if why:
            raise UsageError(f"不能以此口令启用「{name}」：{why}")
        d = self.directory()
        acct, offer_key = self._offer(d, name, code, what)
        key = new_private_key()
        assert d.kdf is not None
        blob = encrypt_private(key, name, passphrase, d.kdf)
        signer = Signer.of(name, key)
        proof = enrol_key(code).sign(enrol_message(d.ledger_id, name, signer.public))
        with self.storage.write() as tx:
            d = self.directory(tx)
            acct, _ = self._offer(d, name, code, what)
            payload: EnrollPayload = {
                "name": name,
                "public_key": signer.public,
                "key": blob,
                "enrol_key": offer_key,
                "enrol_proof": proof.hex(),
            }
            ev = _append(tx, signer, "user_enroll", dict(payload), self.now())
            self.project_users(tx)
            after = self.directory(tx).accounts[name]
        return {
            "name": name,
            "roles": list(acct.roles),
            "public_key": signer.public,
            "seq": ev.seq,
            "notice": reset_notice(after),
        }

    def _offer(self, d: Directory, name: str, code: str, what: str) -> tuple[Account, str]:
        acct = d.accounts.get(name)
        if acct is None:
            raise Refused(f"用户「{name}」未在台账中登记，不能{what}")
        if not acct.active:
            raise Refused(f"用户「{name}」已停用，不能{what}")
        offer = acct.offer
        if offer is None:
            raise Refused(
                f"{_who(name, what)}：没有待用的登记码（账号已启用；遗失密钥请管理员 user reset-key）"
            )
        if self.now() > offer.expires:
            raise Refused(
                f"{_who(name, what)}：登记码已于 {_show(offer.expires)}过期（{ENROL_HOURS} 小时内有效），"
                "请管理员重新发放（secreview user reset-key）"
            )
        if public_hex(enrol_key(code).public_key()) != offer.enrol_key:
            raise Refused(f"{_who(name, what)}：登记码不对", code="bad_code")
        return acct, offer.enrol_key

    def change_passphrase(self, name: str | None, old: str, new: str) -> dict[str, Any]:
        """New passphrase AND new key: an old passphrase someone saw opens only a void key."""
        signer = self.unlock(name, old, "修改口令")
        why = passphrase_problem(new, signer.name)
        if why:
            raise UsageError(f"新口令不可用：{why}")
        if new == old:
            raise UsageError("新口令不能与原口令相同")
        return self._new_key(signer, new, "user_passwd", "修改口令")

    def rotate_key(self, name: str | None, passphrase: str) -> dict[str, Any]:
        signer = self.unlock(name, passphrase, "更换密钥")
        return self._new_key(signer, passphrase, "key_rotate", "更换密钥")

    def _new_key(self, signer: Signer, passphrase: str, action: str, what: str) -> dict[str, Any]:
        d = self.directory()
        assert d.kdf is not None
        key = new_private_key()
        blob = encrypt_private(key, signer.name, passphrase, d.kdf)
        public = public_hex(key.public_key())
        with self.storage.write() as tx:
            self.authorize(tx, signer, what)
            payload: KeyChangePayload = {"name": signer.name, "public_key": public, "key": blob}
            ev: Event = _append(tx, signer, action, dict(payload), self.now())
            self.project_users(tx)
        return {"name": signer.name, "public_key": public, "seq": ev.seq, "action": action}

    # -- reading -----------------------------------------------------------------------------

    def list_users(self, actor: str | None) -> list[dict[str, Any]]:
        d = self.directory(strict=False)  # verified: it shows whose key is valid
        wf.require_user(d.users(), wf.user_name(actor) if actor else None, "查看用户列表")
        out = []
        for a in sorted(d.accounts.values(), key=lambda a: a.name):
            cur = a.current
            if not a.active:
                key_state = "disabled"
            elif cur is not None:
                key_state = "active"
            elif a.resets:
                key_state = "reset_pending"
            else:
                key_state = "pending"
            out.append(
                {
                    "name": a.name,
                    "roles": list(a.roles),
                    "depts": list(a.depts),
                    "active": a.active,
                    "key": key_state,
                    "public_key": cur.public if cur else None,
                    "key_since": cur.ts if cur else None,
                    "resets": [{"seq": r.seq, "ts": r.ts, "admin": r.admin} for r in a.resets],
                }
            )
        return out

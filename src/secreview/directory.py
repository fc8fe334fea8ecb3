"""Who is who: users, roles and which key each user signed with when — folded from events.

Pure (events in, state out). The identity events and their payloads:

| action | actor | payload |
|---|---|---|
| ``init`` | first admin | ledger_id, schema, office, kdf (the ledger's key policy), name, public_key, key |
| ``user_add`` | admin | name, roles, depts, enrol_key, enrol_expires |
| ``user_enroll`` | the user | name, public_key, key, enrol_key, enrol_proof |
| ``user_passwd`` / ``key_rotate`` | the user | name, public_key, key (a new key pair either way) |
| ``key_reset`` | admin | name, enrol_key, enrol_expires (the old key is void from here) |
| ``user_disable`` | admin | name |

``key`` is an :class:`~secreview.ledger.keys.EncryptedKey`; ``public_key`` 64 hex digits.

A key is valid for the events of its user from the event that brought it (``init``,
``user_enroll``; for ``user_passwd``/``key_rotate`` the next event, the rotation itself being
signed by the old key) until the event that retired it (exclusive; a rotation's successor, a
``key_reset`` or a ``user_disable``). With ``check=True`` every identity event is checked as
it is folded — signature by the right key, an admin's authority, the enrolment code's
signature, the KDF strength — and a bad one is reported and NOT applied, so nothing that
depends on it can pass either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from secreview.clock import show_time
from secreview.ledger.canonical import event_bytes
from secreview.ledger.keys import (
    MIN_COST,
    EncryptedKey,
    KdfParams,
    enrol_message,
    is_public_hex,
    kdf_weakness,
    load_public,
)
from secreview.ledger.signing import check_signature, signature_bytes
from secreview.model import Event, RawRow
from secreview.workflow import ROLES, User

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

# The fold without ``check`` (reads: ``queue``, ``show``) loads no key and so never imports
# ``cryptography`` (start-up, issue 17): a public key is checked for its form
# (keys.is_public_hex, which accepts what keys.load_public accepts), and a key is loaded only
# where a signature is checked.

IDENTITY_ACTIONS = (
    "init",
    "user_add",
    "user_enroll",
    "user_passwd",
    "key_rotate",
    "key_reset",
    "user_disable",
)
KEY_CHANGES = frozenset({"user_passwd", "key_rotate"})


class InitPayload(TypedDict):
    ledger_id: str
    schema: int
    office: str | None
    kdf: KdfParams
    name: str
    public_key: str
    key: EncryptedKey


class UserAddPayload(TypedDict):
    name: str
    roles: list[str]
    depts: list[str]
    enrol_key: str
    enrol_expires: str


class EnrollPayload(TypedDict):
    name: str
    public_key: str
    key: EncryptedKey
    enrol_key: str
    enrol_proof: str


class KeyChangePayload(TypedDict):
    name: str
    public_key: str
    key: EncryptedKey


class KeyResetPayload(TypedDict):
    name: str
    enrol_key: str
    enrol_expires: str


@dataclass
class KeySpan:
    public: str
    from_seq: int
    until_seq: int | None  # exclusive; None while current
    via: str  # the action that brought it
    blob: EncryptedKey
    ts: str

    @property
    def key(self) -> Ed25519PublicKey:
        key = load_public(self.public)
        assert key is not None  # a span is made only for a well-formed public key
        return key

    def valid_at(self, seq: int) -> bool:
        return self.from_seq <= seq and (self.until_seq is None or seq < self.until_seq)


@dataclass(frozen=True)
class Offer:
    """An outstanding enrolment (after ``user_add`` or ``key_reset``)."""

    enrol_key: str
    expires: str
    seq: int
    by: str
    reset: bool


@dataclass(frozen=True)
class Reset:
    seq: int
    ts: str
    admin: str


@dataclass
class Account:
    name: str
    roles: tuple[str, ...]
    depts: tuple[str, ...]
    active: bool
    added_seq: int
    added_by: str
    keys: list[KeySpan] = field(default_factory=list)
    offer: Offer | None = None
    resets: list[Reset] = field(default_factory=list)

    @property
    def current(self) -> KeySpan | None:
        if self.keys and self.keys[-1].until_seq is None:
            return self.keys[-1]
        return None

    def user(self) -> User:
        return User(self.name, self.roles, self.depts, self.active)


@dataclass
class Directory:
    ledger_id: str = ""
    office: str | None = None
    kdf: KdfParams | None = None
    accounts: dict[str, Account] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    seq: int = 0  # the last identity event folded

    # -- reading ----------------------------------------------------------------------------

    def users(self) -> dict[str, User]:
        return {n: a.user() for n, a in self.accounts.items()}

    def key_at(self, name: str, seq: int) -> KeySpan | None:
        acct = self.accounts.get(name)
        if acct is None:
            return None
        for span in reversed(acct.keys):
            if span.valid_at(seq):
                return span
        return None

    def spans(self) -> dict[str, list[tuple[str, int, int | None]]]:
        """Picklable key history for worker processes: name → [(public hex, from, until)]."""
        return {
            n: [(s.public, s.from_seq, s.until_seq) for s in a.keys]
            for n, a in self.accounts.items()
        }

    # -- folding ----------------------------------------------------------------------------

    @classmethod
    def fold(cls, rows: Iterable[RawRow], check: bool = True) -> Directory:
        d = cls()
        for row in rows:
            d.apply(row, check=check)
        return d

    def apply_event(self, ev: Event) -> None:
        """Fold one already-parsed identity event without checking it (reports, audit)."""
        if ev.action in IDENTITY_ACTIONS:
            try:
                if self._apply(ev.seq, ev.ts, ev.actor, ev.action, ev.payload, None, False) is None:
                    self.seq = ev.seq
            except (KeyError, TypeError, ValueError, AttributeError):
                pass

    def apply(self, row: RawRow, check: bool = True) -> str | None:
        """Fold one identity event; with ``check``, the reason it is invalid (then not applied)."""
        seq, ts, actor, action, _sid, _version, text, _prev, _digest, _sig = row
        try:
            p = json.loads(text)
            if not isinstance(p, dict):
                raise ValueError("payload is not an object")
            why = self._apply(seq, ts, actor, action, p, row, check)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            why = f"用户记录内容无效（{type(e).__name__}）"
        if why is not None and not check:
            return None
        if why is not None:
            reason = f"第 {seq} 条用户/密钥记录（{action}）无效：{why}"
            self.problems.append((seq, reason))
            return reason
        self.seq = seq
        return None

    def _signed(self, row: RawRow) -> bytes:
        seq, ts, actor, action, sid, version, text, prev, _d, _s = row
        return event_bytes(prev, seq, ts, actor, action, sid, version, text)

    def _sig_problem(self, row: RawRow | None, public: str | None, check: bool) -> str | None:
        """With ``check``: why ``row`` is not signed by the key ``public`` (hex), or None."""
        if not check or row is None:
            return None
        key = load_public(public) if public is not None else None
        if key is None:
            return f"「{row[2]}」在此时没有有效的密钥"
        why = check_signature(key, self._signed(row), signature_bytes(row[9]))
        return f"签名无效（{why}）" if why else None

    @staticmethod
    def _public_ok(hex_text: object, check: bool) -> bool:
        """A usable public key: loaded when checking, its form only otherwise (see above)."""
        return load_public(hex_text) is not None if check else is_public_hex(hex_text)

    def _admin(self, actor: str, seq: int) -> Account | str:
        acct = self.accounts.get(actor)
        if acct is None or not acct.active:
            return f"「{actor}」不是在用的用户"
        if "admin" not in acct.roles:
            return f"「{actor}」不是管理员，无权管理用户"
        return acct

    def _apply(
        self,
        seq: int,
        ts: str,
        actor: str,
        action: str,
        p: dict[str, Any],
        row: RawRow | None,
        check: bool,
    ) -> str | None:
        if action == "init":
            if seq != 1 or self.accounts:
                return "台账只能有一条建立记录，且须为第 1 条"
            if not self._public_ok(p["public_key"], check):
                return "公钥无效"
            if check and (why := kdf_weakness(p["kdf"])):
                return why
            if p["name"] != actor:
                return "建立者与首位管理员不一致"
            if why := self._sig_problem(row, p["public_key"], check):
                return why
            if check and (why := kdf_weakness(p["key"]["kdf"], self._floor(p["kdf"]))):
                return why
            self.ledger_id, self.office, self.kdf = p["ledger_id"], p.get("office"), p["kdf"]
            acct = Account(actor, ("admin",), (), True, seq, actor)
            acct.keys.append(KeySpan(p["public_key"], seq, None, "init", p["key"], ts))
            self.accounts[actor] = acct
            return None
        if not self.accounts:
            return "台账尚未建立（第 1 条须为建立记录）"
        if action in ("user_add", "key_reset", "user_disable"):
            admin = self._admin(actor, seq)
            if isinstance(admin, str):
                return admin
            span = self.key_at(actor, seq)
            if why := self._sig_problem(row, span.public if span else None, check):
                return why
            name = p["name"]
            if action == "user_add":
                if name in self.accounts:
                    return f"用户「{name}」已登记"
                roles = tuple(p["roles"])
                if not roles or any(r not in ROLES for r in roles):
                    return "角色无效"
                if not self._public_ok(p["enrol_key"], check):
                    return "登记码公钥无效"
                acct = Account(name, roles, tuple(p.get("depts", ())), True, seq, actor)
                acct.offer = Offer(p["enrol_key"], p["enrol_expires"], seq, actor, False)
                self.accounts[name] = acct
                return None
            target = self.accounts.get(name)
            if target is None:
                return f"用户「{name}」未登记"
            if action == "user_disable":
                if name == actor:
                    return "管理员不能停用自己"
                target.active = False
                target.offer = None
                if target.current:
                    target.current.until_seq = seq
                return None
            # key_reset
            if not target.active:
                return f"用户「{name}」已停用"
            if not self._public_ok(p["enrol_key"], check):
                return "登记码公钥无效"
            if target.current:
                target.current.until_seq = seq
            target.offer = Offer(p["enrol_key"], p["enrol_expires"], seq, actor, True)
            target.resets.append(Reset(seq, ts, actor))
            return None
        if action == "user_enroll":
            enrollee = self.accounts.get(actor)
            if enrollee is None or p["name"] != actor:
                return f"「{actor}」未登记"
            acct = enrollee
            if not acct.active:
                return f"用户「{actor}」已停用"
            offer = acct.offer
            if offer is None or offer.enrol_key != p["enrol_key"]:
                return "没有对应的有效登记码（登记码已用过、被取代或从未发出）"
            if ts > offer.expires:
                return f"登记码已于 {show_time(offer.expires)}过期"
            if not self._public_ok(p["public_key"], check):
                return "公钥无效"
            if why := self._sig_problem(row, p["public_key"], check):
                return why
            if check:
                proof = enrol_message(self.ledger_id, actor, p["public_key"])
                enrol = load_public(offer.enrol_key)
                assert enrol is not None
                if why := check_signature(enrol, proof, signature_bytes(p["enrol_proof"])):
                    return f"登记码签名无效（{why}）——不是持登记码的本人所为"
                if why := kdf_weakness(p["key"]["kdf"], self._floor(self.kdf)):
                    return why
            via = "reset_enroll" if offer.reset else "enroll"
            acct.keys.append(KeySpan(p["public_key"], seq, None, via, p["key"], ts))
            acct.offer = None
            return None
        if action in KEY_CHANGES:
            holder = self.accounts.get(actor)
            if holder is None or p["name"] != actor or not holder.active:
                return f"「{actor}」不是在用的用户"
            span = holder.current
            if span is None or not span.valid_at(seq):
                return f"「{actor}」此时没有有效的密钥"
            if why := self._sig_problem(row, span.public, check):
                return why
            if not self._public_ok(p["public_key"], check):
                return "公钥无效"
            if check and (why := kdf_weakness(p["key"]["kdf"], self._floor(self.kdf))):
                return why
            span.until_seq = seq + 1
            holder.keys.append(KeySpan(p["public_key"], seq + 1, None, action, p["key"], ts))
            return None
        return f"未知的用户记录类型「{action}」"

    @staticmethod
    def _floor(kdf: object) -> int:
        n = kdf.get("n") if isinstance(kdf, dict) else None
        return max(MIN_COST, n.bit_length() - 1) if isinstance(n, int) and n > 0 else MIN_COST

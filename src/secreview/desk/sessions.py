"""Desk sessions: a server-side table; the cookie holds only a random id.

A session proves who logged in — nothing more. It holds the user's name, its times and a
CSRF secret; never a passphrase and never an unlocked key: every action that writes the
ledger asks for the passphrase again in its own form, and the key it opens lives only for
that request.

- Login verifies the passphrase by unlocking the key once (the core), then a NEW session is
  made (no fixation: the id the browser had before is dropped).
- The cookie value is 256 random bits; the table is keyed by its sha256, so the table alone
  cannot be replayed. HttpOnly, SameSite=Strict, Path=/; Secure (and the ``__Host-`` prefix)
  when served over TLS. No Max-Age: it ends with the browser.
- A session ends after ``idle`` seconds without a request, after ``max_age`` in all, at logout,
  and when the desk restarts (the table is in memory: one desk process per ledger).
- Before login a browser gets an anonymous session too: it carries the CSRF secret of the
  login form. Anonymous sessions live ``anon_idle`` seconds; when the table is full the oldest
  anonymous ones go first.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE = "secreview_desk"
SECURE_COOKIE = "__Host-secreview_desk"


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Session:
    key: str
    csrf: str
    user: str | None
    created: float
    seen: float
    flash: list[str] = field(default_factory=list)


class SessionStore:
    def __init__(
        self,
        idle: float = 20 * 60,
        max_age: float = 10 * 3600,
        anon_idle: float = 30 * 60,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle = idle
        self.max_age = max_age
        self.anon_idle = anon_idle
        self.max_sessions = max_sessions
        self.clock = clock
        self._table: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, user: str | None = None) -> tuple[str, Session]:
        """A fresh session; returns the cookie value (only the browser keeps it)."""
        cookie = secrets.token_urlsafe(32)
        now = self.clock()
        s = Session(_key(cookie), secrets.token_urlsafe(32), user, now, now)
        with self._lock:
            self._expire_locked(now)
            if len(self._table) >= self.max_sessions:
                victims = sorted(self._table.values(), key=lambda x: (x.user is not None, x.seen))
                for v in victims[: len(self._table) - self.max_sessions + 1]:
                    del self._table[v.key]
            self._table[s.key] = s
        return cookie, s

    def get(self, cookie: str | None) -> Session | None:
        """The live session for this cookie (its idle clock restarted), or None."""
        if not cookie:
            return None
        now = self.clock()
        with self._lock:
            s = self._table.get(_key(cookie))
            if s is None:
                return None
            if self._expired(s, now):
                del self._table[s.key]
                return None
            s.seen = now
            return s

    def drop(self, session: Session) -> None:
        with self._lock:
            self._table.pop(session.key, None)

    def _expired(self, s: Session, now: float) -> bool:
        idle = self.idle if s.user is not None else self.anon_idle
        return now - s.seen > idle or now - s.created > self.max_age

    def _expire_locked(self, now: float) -> None:
        for k in [k for k, s in self._table.items() if self._expired(s, now)]:
            del self._table[k]

    def __len__(self) -> int:
        return len(self._table)

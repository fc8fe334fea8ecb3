"""Signing and checking one event: a :class:`Signer` is a user whose key has been unlocked.

A Signer holds the private key as a ``cryptography`` object for as long as the caller keeps
the Signer (one CLI command; a desk session later). Its ``repr`` never shows key material.
:func:`check_signature` returns None for a good signature, else the reason — never a bare bool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from secreview.ledger.keys import public_hex

if TYPE_CHECKING:  # cryptography is imported where a signature is checked (issue 17)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE_HEX = 128


@dataclass(frozen=True)
class AuthFailures:
    """Wrong passphrases for this user since their last successful unlock."""

    count: int
    first: str
    last: str


@dataclass(frozen=True)
class Signer:
    name: str
    key: Ed25519PrivateKey = field(repr=False, compare=False)
    public: str = ""
    failures: AuthFailures | None = None  # reported in the ledger with the next signed event

    @classmethod
    def of(cls, name: str, key: Ed25519PrivateKey, failures: AuthFailures | None = None) -> Signer:
        return cls(name, key, public_hex(key.public_key()), failures)

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)

    def __repr__(self) -> str:  # never the key
        return f"Signer({self.name!r}, public={self.public[:12]}…)"


def signature_bytes(sig_hex: object) -> bytes | None:
    if not isinstance(sig_hex, str) or len(sig_hex) != SIGNATURE_HEX:
        return None
    try:
        return bytes.fromhex(sig_hex)
    except ValueError:
        return None


def check_signature(key: Ed25519PublicKey, data: bytes, sig: bytes | None) -> str | None:
    """None when ``sig`` is ``key``'s signature of ``data``; else a short Chinese reason."""
    if sig is None:
        return "没有有效的签名"
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(sig, data)
    except InvalidSignature:
        return "签名不符"
    return None

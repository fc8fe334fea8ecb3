"""Users' Ed25519 keys: generation, encryption under the passphrase, enrolment codes.

- A private key is stored only encrypted: AES-256-GCM under a key derived from the passphrase
  by scrypt (memory-hard). The KDF parameters, salt and nonce are stored with the ciphertext
  (:class:`EncryptedKey`) and bound to it as associated data together with the user's name
  and public key, so a blob cannot be moved to another user or given weaker parameters.
- Every key of a ledger uses the ledger's KDF cost (recorded, signed, in its ``init`` event);
  nothing lowers it at run time. :data:`MIN_COST` is the floor any ledger may choose.
- Enrolment codes: 128 random bits, printed in groups. The code deterministically derives a
  one-time Ed25519 key; the admin's ``user_add`` records only its public half, and the user's
  ``user_enroll`` event carries a signature by it — so whoever owns the database, without the
  code, cannot forge an enrolment.

Key material stays inside ``cryptography`` objects; raw bytes exist only for the moment of
encrypting or decrypting and are never logged. Python cannot reliably zero ``bytes``; the
derived key is kept in a ``bytearray`` and overwritten after use.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from secreview.ledger.canonical import canonical

# ``cryptography`` is imported by the functions that derive, encrypt, decrypt or load a key,
# not here: reading the ledger (``queue``) needs none of it (start-up, issue 17).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

KDF_NAME = "scrypt"
CIPHER_NAME = "aes-256-gcm"
# scrypt N = 2**cost, r = 8, p = 1: memory 128 * r * N bytes = 2**cost KiB.
MIN_COST = 15  # 32 MiB
DEFAULT_COST = 16  # 64 MiB
MAX_COST = 20  # 1 GiB
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_CHARS = 8
ENROL_HOURS = 72


class KdfParams(TypedDict):
    name: str
    n: int
    r: int
    p: int


class EncryptedKey(TypedDict):
    """How a private key is stored (in the ledger's key events)."""

    kdf: KdfParams
    salt: str  # hex
    cipher: str
    nonce: str  # hex
    ct: str  # hex: AES-GCM ciphertext + tag of the 32-byte Ed25519 seed


class KeyUnlockError(Exception):
    """Decryption failed: wrong passphrase, or the stored key was altered."""


def kdf_params(cost: int) -> KdfParams:
    if not MIN_COST <= cost <= MAX_COST:
        raise ValueError(f"KDF cost must be {MIN_COST}..{MAX_COST}, not {cost}")
    return {"name": KDF_NAME, "n": 2**cost, "r": SCRYPT_R, "p": SCRYPT_P}


def kdf_weakness(params: object, floor: int = MIN_COST) -> str | None:
    """None when ``params`` are scrypt at least as strong as ``2**floor``/r=8; else why not."""
    if not isinstance(params, dict) or params.get("name") != KDF_NAME:
        return "未使用 scrypt 保护私钥"
    n, r, p = params.get("n"), params.get("r"), params.get("p")
    if not all(type(x) is int for x in (n, r, p)):
        return "私钥保护参数无效"
    assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
    if n < 2**floor or n & (n - 1) or r < SCRYPT_R or p < 1 or n > 2**MAX_COST:
        return f"私钥保护强度不足（scrypt N={n}, r={r}, p={p}；至少 N=2^{floor}, r={SCRYPT_R}）"
    return None


def normalise_passphrase(passphrase: str) -> bytes:
    """NFC (the same passphrase typed through different input methods gives the same bytes)."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def passphrase_problem(passphrase: str, name: str) -> str | None:
    """Why this passphrase cannot be set, or None."""
    text = unicodedata.normalize("NFC", passphrase)
    if len(text) < MIN_PASSPHRASE_CHARS:
        return f"口令至少 {MIN_PASSPHRASE_CHARS} 个字符"
    if text.strip() != text:
        return "口令首尾不能是空白字符"
    if text == name:
        return "口令不能与用户名相同"
    return None


def new_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 key pair (a new user's, or a rotation's)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes_raw().hex()


def is_public_hex(hex_text: object) -> bool:
    """Whether the text is 64 hex digits (32 bytes) — the form of a public key, checked
    without ``cryptography``: :func:`load_public` returns a key for exactly these (it does no
    point check; tests/test_ledger_signing.py holds it to that). The unverified identity fold
    (``queue``, ``show``) uses it; everything that checks a signature loads the key."""
    if not isinstance(hex_text, str) or len(hex_text) != 64:
        return False
    try:
        return len(bytes.fromhex(hex_text)) == 32
    except ValueError:
        return False


def load_public(hex_text: object) -> Ed25519PublicKey | None:
    """The public key from its 64 hex digits, or None when the text is not one."""
    if not isinstance(hex_text, str) or len(hex_text) != 64:
        return None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_text))
    except ValueError:
        return None


def _aad(name: str, public: str, kdf: KdfParams) -> bytes:
    return canonical({"name": name, "public_key": public, "kdf": dict(kdf)}).encode("utf-8")


def _derive(passphrase: str, salt: bytes, kdf: KdfParams) -> bytearray:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    raw = Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        normalise_passphrase(passphrase)
    )
    return bytearray(raw)


def _wipe(buf: bytearray) -> None:
    for i in range(len(buf)):
        buf[i] = 0


def encrypt_private(
    key: Ed25519PrivateKey, name: str, passphrase: str, kdf: KdfParams
) -> EncryptedKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    public = public_hex(key.public_key())
    derived = _derive(passphrase, salt, kdf)
    try:
        ct = AESGCM(bytes(derived)).encrypt(nonce, key.private_bytes_raw(), _aad(name, public, kdf))
    finally:
        _wipe(derived)
    return {
        "kdf": kdf,
        "salt": salt.hex(),
        "cipher": CIPHER_NAME,
        "nonce": nonce.hex(),
        "ct": ct.hex(),
    }


def decrypt_private(
    blob: EncryptedKey, name: str, public: str, passphrase: str
) -> Ed25519PrivateKey:
    """The private key, checked to match ``public``. Raises :class:`KeyUnlockError` otherwise."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        kdf = blob["kdf"]
        salt, nonce, ct = (
            bytes.fromhex(blob["salt"]),
            bytes.fromhex(blob["nonce"]),
            bytes.fromhex(blob["ct"]),
        )
        if blob["cipher"] != CIPHER_NAME or kdf_weakness(kdf) is not None:
            raise KeyUnlockError("unsupported or weakened key protection")
    except (KeyError, TypeError, ValueError) as e:
        raise KeyUnlockError("malformed stored key") from e
    derived = _derive(passphrase, salt, kdf)
    try:
        seed = AESGCM(bytes(derived)).decrypt(nonce, ct, _aad(name, public, kdf))
    except InvalidTag as e:
        raise KeyUnlockError("wrong passphrase or altered key") from e
    finally:
        _wipe(derived)
    key = Ed25519PrivateKey.from_private_bytes(seed)
    del seed
    if public_hex(key.public_key()) != public:
        raise KeyUnlockError("stored key does not match the recorded public key")
    return key


# -- enrolment codes ------------------------------------------------------------------------------

_ENROL_DOMAIN = b"secreview-enrol-key-v1\x00"
ENROL_PROOF_DOMAIN = "secreview-enrol-v1\n"


@dataclass(frozen=True)
class EnrolCode:
    code: str  # what the user types, e.g. "K7QF-2M4X-…"
    public: str  # hex of the one-time key's public half (what the ledger records)


def new_enrol_code() -> EnrolCode:
    import base64
    import secrets

    raw = base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return EnrolCode(code, public_hex(enrol_key(code).public_key()))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", code).upper() if ch.isalnum())


def enrol_key(code: str) -> Ed25519PrivateKey:
    """The one-time key a code stands for (128 random bits: no brute force)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(_ENROL_DOMAIN + normalise_code(code).encode("ascii", "replace")).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def enrol_message(ledger_id: str, name: str, public: str) -> bytes:
    """What the enrolment key signs: this user's new public key, on this ledger."""
    return (ENROL_PROOF_DOMAIN + canonical([ledger_id, name, public])).encode("utf-8")

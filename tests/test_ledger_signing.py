"""The canonical bytes (a fixed test vector), keys under scrypt, enrolment codes, signatures."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secreview.ledger import keys
from secreview.ledger.canonical import GENESIS, canonical, event_bytes, event_hash
from secreview.ledger.signing import Signer, check_signature, signature_bytes

# One event, its bytes, signature and hash — computed by hand once and pinned: any change to
# the canonical form (field order, separators, the domain line, what the hash covers) fails.
SEED = bytes(range(32))
VECTOR_PAYLOAD = {"decision": "approve", "comment": "同意", "sha256": "ab" * 32}
VECTOR_BYTES = (
    "secreview-event-v2\n"
    + "0" * 64
    + '\n[1,"2026-03-12T01:02:03.000000Z","王领导","sign","2026-0001",1,'
    '{"comment":"同意","decision":"approve","sha256":"' + "ab" * 32 + '"}]'
).encode("utf-8")
VECTOR_PUBLIC = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
VECTOR_SIG = (
    "e1fb2fa76d7c6f4aba7de6a4871682aa34dad0b90f7980eea4890f3202a91ed0"
    "4f7f34921d5a90c04dd96367abbc1e8b8f76b7ae1393e5df81775b4acda7a30c"
)
VECTOR_HASH = "e6c8bb76cf9d4c545519acbd17b6c7a03edc1210a3059478f551d283bad05e9f"


def test_canonical_bytes_signature_and_hash_vector() -> None:
    data = event_bytes(
        GENESIS,
        1,
        "2026-03-12T01:02:03.000000Z",
        "王领导",
        "sign",
        "2026-0001",
        1,
        canonical(VECTOR_PAYLOAD),
    )
    assert data == VECTOR_BYTES
    signer = Signer.of("王领导", Ed25519PrivateKey.from_private_bytes(SEED))
    assert signer.public == VECTOR_PUBLIC
    sig = signer.sign(data)
    assert sig.hex() == VECTOR_SIG  # Ed25519 is deterministic
    assert event_hash(data, sig) == VECTOR_HASH
    public = keys.load_public(VECTOR_PUBLIC)
    assert public is not None
    assert check_signature(public, data, sig) is None
    assert check_signature(public, data + b" ", sig) == "签名不符"
    assert check_signature(public, data, signature_bytes("zz")) == "没有有效的签名"
    assert "key" not in repr(signer).lower().replace("public", "")


@pytest.fixture(scope="module")
def blob() -> tuple[keys.EncryptedKey, str, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    enc = keys.encrypt_private(key, "张三", "正确的口令-1", keys.kdf_params(keys.MIN_COST))
    return enc, keys.public_hex(key.public_key()), key


def test_private_key_is_stored_only_encrypted_and_opens_with_the_passphrase(blob) -> None:  # type: ignore[no-untyped-def]
    enc, public, key = blob
    assert enc["kdf"] == {"name": "scrypt", "n": 2**15, "r": 8, "p": 1}
    assert key.private_bytes_raw().hex() not in str(enc)
    opened = keys.decrypt_private(enc, "张三", public, "正确的口令-1")
    assert keys.public_hex(opened.public_key()) == public
    with pytest.raises(keys.KeyUnlockError):
        keys.decrypt_private(enc, "张三", public, "错误的口令-1")


def test_stored_key_is_bound_to_its_user_public_key_and_parameters(blob) -> None:  # type: ignore[no-untyped-def]
    enc, public, _ = blob
    with pytest.raises(keys.KeyUnlockError):  # moved to another user
        keys.decrypt_private(enc, "李四", public, "正确的口令-1")
    other = keys.public_hex(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(keys.KeyUnlockError):  # paired with another public key
        keys.decrypt_private(enc, "张三", other, "正确的口令-1")
    weaker = {**enc, "kdf": {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}}
    with pytest.raises(keys.KeyUnlockError):  # weakened parameters are refused outright
        keys.decrypt_private(weaker, "张三", public, "正确的口令-1")  # type: ignore[arg-type]
    flipped = {**enc, "ct": ("0" if enc["ct"][0] != "0" else "1") + enc["ct"][1:]}
    with pytest.raises(keys.KeyUnlockError):
        keys.decrypt_private(flipped, "张三", public, "正确的口令-1")  # type: ignore[arg-type]


def test_kdf_is_memory_hard_and_its_floor_is_enforced() -> None:
    assert keys.kdf_weakness(keys.kdf_params(keys.DEFAULT_COST)) is None
    assert keys.DEFAULT_COST >= 16 and keys.MIN_COST >= 15
    for weak in (
        {"name": "scrypt", "n": 2**14, "r": 8, "p": 1},
        {"name": "scrypt", "n": 2**15, "r": 4, "p": 1},
        {"name": "pbkdf2", "n": 2**20, "r": 8, "p": 1},
        {"name": "scrypt", "n": 3 * 2**14, "r": 8, "p": 1},
        None,
    ):
        assert keys.kdf_weakness(weak) is not None, weak
    assert keys.kdf_weakness(keys.kdf_params(15), floor=16) is not None
    with pytest.raises(ValueError):
        keys.kdf_params(12)
    # One derivation really costs (32 MiB of memory at the floor): not a disguised no-op.
    t0 = time.perf_counter()
    keys.encrypt_private(Ed25519PrivateKey.generate(), "x", "口令口令口令口令", keys.kdf_params(15))
    assert time.perf_counter() - t0 > 0.01


def test_enrolment_code_derives_the_one_time_key() -> None:
    code = keys.new_enrol_code()
    assert len(keys.normalise_code(code.code)) == 26  # 128 random bits in base32
    assert keys.public_hex(keys.enrol_key(code.code).public_key()) == code.public
    # Typed in lower case, with spaces instead of dashes: the same code.
    loose = code.code.lower().replace("-", " ")
    assert keys.public_hex(keys.enrol_key(loose).public_key()) == code.public
    assert keys.new_enrol_code().public != code.public
    msg = keys.enrol_message("ledger-1", "张三", "ab" * 32)
    assert msg != keys.enrol_message("ledger-2", "张三", "ab" * 32)


@pytest.mark.parametrize(
    ("passphrase", "ok"),
    [("短口令", False), ("张三", False), (" 前面有空格的口令", False), ("足够长的口令-2026", True)],
)
def test_passphrase_rules(passphrase: str, ok: bool) -> None:
    assert (keys.passphrase_problem(passphrase, "张三") is None) is ok

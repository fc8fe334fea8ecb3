"""The bytes an event is signed and hashed over — defined once, used by append and verify.

- Canonical JSON (:func:`canonical`): keys sorted, ``ensure_ascii=False``, separators
  ``(",", ":")``, no NaN. Payloads are stored as this text.
- The event body (:func:`canonical_event`) is the canonical JSON of the list
  ``[seq, ts, actor, action, submission_id, version, payload]``.
- The signed bytes (:func:`event_bytes`) are UTF-8 of
  ``"secreview-event-v2\\n" + prev_hash + "\\n" + body``: the previous event's hash is part of
  what the actor signs, so a signature also vouches for the place of the event in the chain.
- The signature is Ed25519 over those bytes (64 bytes, stored as 128 hex digits).
- The event's hash (:func:`event_hash`) is ``sha256(event_bytes + signature)``: the chain, and
  so every recorded head hash, covers the signatures too.
- The first event's ``prev_hash`` is :data:`GENESIS` (64 zeros).

``tests/test_ledger_signing.py`` pins one event's bytes, signature and hash as a test vector.

Because payloads are stored as canonical text, :func:`canonical_event` splices that text into
the encoded header — the same bytes as encoding the whole list, without parsing the payload.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

GENESIS = "0" * 64
DOMAIN = "secreview-event-v2\n"

_header_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)
_encode_header = _header_encoder.encode
# JSON string literal exactly as json.dumps(..., ensure_ascii=False) writes it (C speed).
enc_str: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or (
    json.encoder.py_encode_basestring
)


def canonical(obj: Any) -> str:
    """The canonical JSON text of ``obj`` (the form that is stored, signed and hashed)."""
    return json.dumps(
        obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def canonical_event(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    submission_id: str | None,
    version: int | None,
    payload_text: str,
) -> str:
    """Canonical JSON of ``[seq, ts, actor, action, submission_id, version, payload]``.

    ``payload_text`` must already be canonical JSON (as stored in the ledger).
    """
    if type(submission_id) is str and type(version) is int:
        try:
            return (
                f"[{seq:d},{enc_str(ts)},{enc_str(actor)},{enc_str(action)},"
                f"{enc_str(submission_id)},{version:d},{payload_text}]"
            )
        except (TypeError, ValueError):
            pass
    head = _encode_header([seq, ts, actor, action, submission_id, version])
    return head[:-1] + "," + payload_text + "]"


def event_bytes(
    prev_hash: str,
    seq: int,
    ts: str,
    actor: str,
    action: str,
    submission_id: str | None,
    version: int | None,
    payload_text: str,
) -> bytes:
    """The exact bytes the actor signs (and, with the signature, the event hash covers)."""
    body = canonical_event(seq, ts, actor, action, submission_id, version, payload_text)
    return (DOMAIN + prev_hash + "\n" + body).encode("utf-8")


def event_hash(signed: bytes, signature: bytes) -> str:
    """``sha256(event_bytes + signature)`` as 64 hex digits."""
    return hashlib.sha256(signed + signature).hexdigest()

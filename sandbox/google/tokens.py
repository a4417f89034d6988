"""Opaque identifiers and signed cursors (page tokens, sync tokens).

Tokens carry their own state, HMAC-signed, so the server keeps no cursor table and a
tampered or foreign token is rejected like Google rejects it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string

BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
URLSAFE = string.ascii_letters + string.digits + "-_"


def random_string(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def event_id() -> str:
    """An id like Google generates: 26 base32hex characters."""
    return random_string(BASE32HEX, 26)


def opaque(prefix: str, length: int = 40) -> str:
    return prefix + random_string(URLSAFE, length)


class TokenCodec:
    """Encodes a small JSON payload into an opaque, signed, URL-safe string."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def encode(self, payload: dict) -> str:
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        sig = hmac.new(self._secret, raw, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")

    def decode(self, token: str) -> dict | None:
        """The payload, or None if the token is malformed or not ours."""
        try:
            data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return None
        sig, raw = data[:12], data[12:]
        good = hmac.new(self._secret, raw, hashlib.sha256).digest()[:12]
        if not hmac.compare_digest(sig, good):
            return None
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None


def fingerprint(params: dict) -> str:
    """A short digest of the query shape a page token is bound to."""
    raw = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]

"""RS256 signing of id_tokens and the JWKS that verifies them (like oauth2/v3/certs)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _int_b64(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class SigningKey:
    """One RSA key pair; the PEM is kept so a persisted sandbox keeps verifying old tokens."""

    def __init__(self, pem: bytes | None = None):
        if pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        self.pem = pem
        self._key = serialization.load_pem_private_key(pem, password=None)
        numbers = self._key.public_key().public_numbers()
        self._n, self._e = numbers.n, numbers.e
        self.kid = hashlib.sha1(str(self._n).encode()).hexdigest()

    def jwk(self) -> dict:
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _int_b64(self._n),
            "e": _int_b64(self._e),
        }

    def sign(self, claims: dict) -> str:
        header = {"alg": "RS256", "kid": self.kid, "typ": "JWT"}
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        sig = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(sig)


def at_hash(access_token: str) -> str:
    """OpenID Connect at_hash: left half of SHA-256 of the access token."""
    digest = hashlib.sha256(access_token.encode()).digest()
    return _b64(digest[: len(digest) // 2])

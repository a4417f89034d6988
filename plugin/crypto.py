"""Encryption at rest for provider tokens and Exchange passwords.

Fernet gives authenticated encryption; MultiFernet lets an operator add a new key in front and
keep old ones readable until `flask crm-sync rotate-keys` has re-encrypted every row.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


class TokenCipher:
    """Encrypts and decrypts credential dicts with the configured keys (newest first)."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("TokenCipher needs at least one Fernet key")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    @classmethod
    def for_development(cls, secret_key: str) -> TokenCipher:
        """A key derived from SECRET_KEY, only for debug and testing without configured keys."""
        digest = hashlib.sha256(("crm-sync:" + secret_key).encode()).digest()
        return cls([base64.urlsafe_b64encode(digest).decode()])

    def encrypt(self, data: dict) -> str:
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def decrypt(self, token: str) -> dict:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise CredentialsUnreadable(
                "stored credentials cannot be decrypted: was CRM_SYNC_ENCRYPTION_KEYS changed "
                "without keeping the old key?"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt under the newest key."""
        return self._fernet.rotate(token.encode()).decode()


def generate_key() -> str:
    return Fernet.generate_key().decode()

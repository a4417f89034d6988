"""Column types that need the running extension (the cipher)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class EncryptedJSON(TypeDecorator):
    """A dict stored as Fernet ciphertext, so no token or password is ever plaintext at rest."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions["crm_sync"].cipher.encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions["crm_sync"].cipher.decrypt(value)

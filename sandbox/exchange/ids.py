"""Item, folder and occurrence ids, change keys and sync states.

Ids are opaque base64 as Exchange's are, but carry a tag, the mailbox number and a
random part, so a malformed id (ErrorInvalidIdMalformed) is told apart from a well-formed
id of an item that does not exist (ErrorItemNotFound) or of another mailbox.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from .errors import EwsError

_MAGIC = b"SBXEWS"
ITEM, FOLDER, OCCURRENCE = 1, 2, 3


@dataclass(frozen=True)
class ParsedId:
    kind: int
    mailbox: int
    key: bytes  # 16 random bytes; for an occurrence, the master's
    index: int = 0  # InstanceIndex of an occurrence (1-based)

    @property
    def master_key(self) -> bytes:
        return self.key


def new_key() -> bytes:
    return os.urandom(16)


def encode(kind: int, mailbox: int, key: bytes, index: int = 0) -> str:
    raw = _MAGIC + struct.pack(">BI", kind, mailbox) + key
    if kind == OCCURRENCE:
        raw += struct.pack(">I", index)
    return base64.b64encode(raw).decode()


def decode(value: str | None, kinds: tuple[int, ...] = (ITEM, OCCURRENCE)) -> ParsedId:
    """Parse an id; raises ErrorInvalidIdMalformed for anything that is not one of ours."""
    try:
        raw = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.") from exc
    if not raw.startswith(_MAGIC) or len(raw) < len(_MAGIC) + 5 + 16:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    kind, mailbox = struct.unpack(">BI", raw[6:11])
    key = raw[11:27]
    index = 0
    if kind == OCCURRENCE:
        if len(raw) != 31:
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        (index,) = struct.unpack(">I", raw[27:31])
    elif len(raw) != 27:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    if kind not in kinds:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
    return ParsedId(kind, mailbox, key, index)


def change_key(version: int) -> str:
    """A fresh change key; the version is inside so every change gives a new one."""
    return base64.b64encode(b"CK" + struct.pack(">I", version) + os.urandom(10)).decode()


def check_change_key(value: str) -> None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EwsError("ErrorInvalidChangeKey", "ChangeKey is invalid.") from exc
    if not raw.startswith(b"CK") or len(raw) != 16:
        raise EwsError("ErrorInvalidChangeKey", "ChangeKey is invalid.")

"""Everything the sandbox remembers, behind one re-entrant lock.

Handlers take ``state.lock`` for the whole of a request's read-modify-write, so concurrent
clients see Google-like atomic operations. The whole object pickles for ``--state-file``.
"""

from __future__ import annotations

import os
import pickle
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    name: str = "Sandbox App"


@dataclass
class User:
    email: str
    name: str
    password: str = "password"
    sub: str = ""
    time_zone: str = "UTC"
    picture: str = ""

    def __post_init__(self) -> None:
        if not self.picture:
            self.picture = f"https://lh3.googleusercontent.com/a/{self.email.split('@')[0]}=s96-c"
        if not self.sub:
            self.sub = str(100000000000000000000 + secrets.randbelow(10**20))


@dataclass
class AuthCode:
    code: str
    client_id: str
    email: str
    scopes: list[str]
    redirect_uri: str
    expires_at: float
    challenge: str | None = None
    challenge_method: str = "plain"
    nonce: str | None = None
    issue_refresh: bool = False
    used: bool = False
    issued: list[str] = field(default_factory=list)


@dataclass
class RefreshToken:
    token: str
    client_id: str
    email: str
    scopes: list[str]
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    client_id: str
    email: str
    scopes: list[str]
    expires_at: float
    refresh_token: str | None = None
    revoked: bool = False


@dataclass
class Invitation:
    """One write that Google would have mailed to attendees (sendUpdates != none)."""

    calendar_id: str
    event_id: str
    action: str
    send_updates: str
    recipients: list[str]
    at: float
    summary: str = ""


class State:
    """The sandbox's memory: users, OAuth, calendars, mailboxes, counters."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.secret = secrets.token_bytes(32)
        self.signing_pem: bytes | None = None
        self.clients: dict[str, Client] = {}
        self.users: dict[str, User] = {}
        self.codes: dict[str, AuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        # (email, client_id) -> scopes granted so far, for include_granted_scopes and for
        # Google's rule that a refresh token comes only with the first offline consent.
        self.grants: dict[tuple[str, str], set[str]] = {}
        self.offline_granted: set[tuple[str, str]] = set()
        self.calendars: dict[str, Any] = {}
        self.mailboxes: dict[str, Any] = {}
        self.invitations: list[Invitation] = []
        self.channels: dict[str, Any] = {}
        self.calls: dict[str, Counter] = {}

    def count_call(self, email: str, method_id: str) -> None:
        with self.lock:
            self.calls.setdefault(email, Counter())[method_id] += 1

    def __getstate__(self) -> dict:
        data = self.__dict__.copy()
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict) -> None:
        self.__dict__.update(data)
        self.lock = threading.RLock()

    def save(self, path: str) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a file."""
        with self.lock:
            blob = pickle.dumps(self)
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)

    @staticmethod
    def load(path: str) -> State:
        with open(path, "rb") as fh:
            state = pickle.load(fh)
        if not isinstance(state, State):
            raise ValueError(f"{path} does not hold a sandbox state")
        return state

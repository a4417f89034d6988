"""Everything the Google sandbox remembers; the lock, the counters and the state file come
from ``sandbox.state``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from ..state import PersistentState


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
    last_used: float = 0.0  # issue or last refresh, sandbox clock: six months idle -> dead


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


class State(PersistentState):
    """The sandbox's memory: users, OAuth, calendars, mailboxes, counters."""

    def __init__(self) -> None:
        super().__init__()
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

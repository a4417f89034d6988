"""``GoogleSandbox``: the object tests, the demo and benchmarks hold.

It owns the state, the clock, the knobs and the server; ``sb.calendar`` and ``sb.gmail``
seed and inspect data "as if the user did it in Google" (moving sync tokens and history ids
exactly as API writes do).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..clock import Clock
from . import scopes as scope_rules
from .calendar_store import CalendarStore
from .faults import Faults
from .gmail_store import GmailStore
from .oauth import OAuthService
from .quota import Quota
from .seeding import CalendarSeeder, GmailSeeder
from .server import ServerThread
from .signing import SigningKey
from .state import Client, State, User
from .tokens import TokenCodec
from .watch import Watcher

DEFAULT_TEST_CLIENT = "sandbox-test-client"
ALL_SCOPES = [
    scope_rules.OPENID,
    scope_rules.EMAIL,
    scope_rules.PROFILE,
    scope_rules.AUTH + "calendar",
    scope_rules.AUTH + "gmail.readonly",
]


class GoogleSandbox:
    """A local Google: OAuth 2, Calendar v3 and Gmail v1 on one 127.0.0.1 port."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        state_file: str | None = None,
        issuer: str = "https://accounts.google.com",
        seed: int = 0,
    ):
        self.clock = clock or Clock()
        self.state_file = state_file
        self.issuer = issuer
        if state_file and os.path.exists(state_file):
            self.state = State.load(state_file)
        else:
            self.state = State()
        self.signing_key = SigningKey(self.state.signing_pem)
        self.state.signing_pem = self.signing_key.pem
        self.codec = TokenCodec(self.state.secret)
        self.faults = Faults(seed)
        self.quota = Quota(self.clock)
        self.watch = Watcher(self)
        self.oauth = OAuthService(self)
        self.calendar_store = CalendarStore(self)
        self.gmail_store = GmailStore(self)
        self.calendar = CalendarSeeder(self)
        self.gmail = GmailSeeder(self)
        self.sync_token_ttl: float | None = None  # seconds; None = tokens never age out
        self._server: ServerThread | None = None
        self._save_lock = threading.Lock()
        self.batches: list[int] = []  # calls in each batch request, in arrival order
        self.base_url: str | None = None

    # ----- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on ``host:port`` (0 = a free port) in a background thread; the base URL."""
        self._server = ServerThread(self, host, port)
        bound = self._server.start()
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.state_file:
            self.save()

    def __enter__(self) -> GoogleSandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int | None:
        return self._server.port if self._server else None

    def reset(self) -> None:
        """Forget all data and restore default knobs (keeps the server and signing key)."""
        with self.state.lock:
            fresh = State()
            fresh.secret, fresh.signing_pem = self.state.secret, self.state.signing_pem
            self.state.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "lock"})
        self.batches.clear()
        self.reset_faults()
        self.quota = Quota(self.clock)
        self.watch.deliveries.clear()
        self.watch.require_https = False
        self.sync_token_ttl = None
        self.gmail_store.reset_knobs()

    def save(self) -> None:
        if self.state_file:
            with self._save_lock:
                self.state.save(self.state_file)

    def reset_faults(self) -> None:
        """No latency, no scripted or random errors, reachable again."""
        self.set_unreachable(None)
        self.faults.reset()

    def set_unreachable(self, mode: str | None, for_seconds: float | None = None) -> None:
        """None, "closed" (API connections dropped; ``/_sandbox`` still answers) or
        "refused" (port released). ``for_seconds`` (real time) restores reachability later,
        the only way back from "refused" for an out-of-process client.
        """
        if mode not in (None, "closed", "refused"):
            raise ValueError(mode)
        if for_seconds:
            timer = threading.Timer(for_seconds, self.set_unreachable, args=(None,))
            timer.daemon = True
            timer.start()
        server = self._server
        if server is not None and self.faults.unreachable == "refused" and mode != "refused":
            server.start()
        self.faults.unreachable = mode
        if server is not None and mode == "refused" and server.running:
            server.stop()

    # ----- people and apps -------------------------------------------------------------
    def add_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        name: str = "Sandbox App",
    ) -> Client:
        client = Client(client_id, client_secret, list(redirect_uris), name)
        with self.state.lock:
            self.state.clients[client_id] = client
        return client

    def add_user(
        self,
        email: str,
        name: str | None = None,
        password: str = "password",
        time_zone: str = "UTC",
    ) -> User:
        """A Google account with a primary calendar (id = email) and an empty mailbox."""
        email = email.strip().lower()
        user = User(
            email=email,
            name=name or email.split("@")[0].title(),
            password=password,
            time_zone=time_zone,
        )
        with self.state.lock:
            self.state.users[email] = user
            self.calendar_store.ensure_primary(email)
            self.gmail_store.mailbox(email)
        return user

    def issue_token(
        self,
        email: str,
        scopes: list[str] | str | None = None,
        client_id: str | None = None,
        offline: bool = True,
    ) -> dict:
        """Shortcut past the consent screen: the token endpoint's JSON for this grant."""
        wanted = (
            scope_rules.parse(scopes)
            if isinstance(scopes, str)
            else [scope_rules.normalize(s) for s in (scopes or ALL_SCOPES)]
        )
        cid = client_id or DEFAULT_TEST_CLIENT
        with self.state.lock:
            if email not in self.state.users:
                raise KeyError(f"no sandbox user {email}")
            if cid not in self.state.clients:
                self.add_client(
                    cid, "sandbox-test-secret", ["http://127.0.0.1/callback"], "Sandbox Test Client"
                )
            self.state.grants.setdefault((email, cid), set()).update(wanted)
        return self.oauth.issue(email, cid, wanted, refresh=offline)

    def expire_access_tokens(self, email: str | None = None) -> int:
        return self.oauth.expire_access_tokens(email)

    def revoke(self, token: str) -> bool:
        return self.oauth.revoke(token)

    # ----- inspection ------------------------------------------------------------------
    def calls(self, email: str | None = None) -> dict[str, int]:
        """API calls per method id, for one user or summed over all users."""
        with self.state.lock:
            if email is not None:
                return dict(self.state.calls.get(email.lower(), {}))
            total: dict[str, int] = {}
            for counter in self.state.calls.values():
                for method, n in counter.items():
                    total[method] = total.get(method, 0) + n
            return total

    def reset_calls(self) -> None:
        with self.state.lock:
            self.state.calls.clear()
            self.batches.clear()

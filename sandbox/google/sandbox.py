"""``GoogleSandbox``: the object tests, the demo and benchmarks hold.

It is a ``sandbox.standin.StandIn`` (clock, state file, faults, server, the common control
rules) with Google's stores and APIs on top; ``sb.calendar`` and ``sb.gmail``
seed and inspect data "as if the user did it in Google" (moving sync tokens and history ids
exactly as API writes do).
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..clock import Clock
from ..standin import StandIn
from . import scopes as scope_rules
from .calendar_store import CalendarStore
from .faults import GoogleFaults
from .gmail_store import GmailStore
from .oauth import OAuthService
from .paging import ShortPages
from .quota import Quota
from .seeding import CalendarSeeder, GmailSeeder
from .server import dispatch
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


class GoogleSandbox(StandIn):
    """A local Google: OAuth 2, Calendar v3 and Gmail v1 on one 127.0.0.1 port."""

    name = "google"
    state_class = State
    kept_on_reset = ("secret", "signing_pem")

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        state_file: str | None = None,
        issuer: str = "https://accounts.google.com",
        seed: int = 0,
        short_pages: float = 0.0,
    ):
        """``short_pages``: the default chance that a list page holds fewer items than
        maxResults (restored by ``reset``); the test fixtures turn it on."""
        super().__init__(clock=clock, state_file=state_file, faults=GoogleFaults(seed))
        self.state: State
        self.faults: GoogleFaults
        self.signing_key = SigningKey(self.state.signing_pem)
        self.state.signing_pem = self.signing_key.pem
        self.codec = TokenCodec(self.state.secret)
        self.quota = Quota(self.clock)
        self.watch = Watcher(self.state, self.clock)
        self.oauth = OAuthService(self.state, self.clock, self.signing_key, issuer)
        self.short_pages = ShortPages(seed, short_pages)
        self.calendar_store = CalendarStore(
            self.state, self.clock, self.watch, self.codec, self.short_pages
        )
        self.gmail_store = GmailStore(self.state, self.clock, seed)
        self.calendar = CalendarSeeder(self.calendar_store)
        self.gmail = GmailSeeder(self.gmail_store)
        self.batches: list[int] = []  # calls in each batch request, in arrival order

    def dispatch(self, request: Request) -> Response:
        return dispatch(self, request)

    @property
    def issuer(self) -> str:
        """The id_tokens' ``iss``."""
        return self.oauth.issuer

    @issuer.setter
    def issuer(self, value: str) -> None:
        self.oauth.issuer = value

    @property
    def sync_token_ttl(self) -> float | None:
        """Seconds a Calendar sync token lives (older: 410); None = they never age out."""
        return self.calendar_store.sync_token_ttl

    @sync_token_ttl.setter
    def sync_token_ttl(self, value: float | None) -> None:
        self.calendar_store.sync_token_ttl = value

    def reset(self) -> None:
        """Forget all data and restore default knobs (keeps the server and signing key)."""
        super().reset()
        self.batches.clear()
        self.quota = Quota(self.clock)
        self.watch.deliveries.clear()
        self.watch.require_https = False
        self.calendar_store.reset_knobs()
        self.short_pages.reset()
        self.gmail_store.reset_knobs()

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
    def reset_calls(self) -> None:
        with self.state.lock:
            super().reset_calls()
            self.batches.clear()

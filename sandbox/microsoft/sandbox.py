"""``MicrosoftSandbox``: the object tests, the demo and benchmarks hold. A
``sandbox.standin.StandIn`` (clock, state file, fault knobs, server thread, the common
control rules) with a tenant, its users and app registrations, the identity platform and
Graph v1.0."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from ..clock import Clock
from ..faults import Faults
from ..standin import StandIn
from ..state import PersistentState
from .control import dispatch_control
from .errors import GraphError
from .graph import handle_graph
from .identity import Identity, handle_identity
from .mailbox import Mailbox
from .throttle import Throttle


@dataclass
class User:
    email: str
    name: str
    password: str
    oid: str = field(default_factory=lambda: str(uuid.uuid4()))
    time_zone: str = "UTC"
    # Refresh tokens issued before this moment fail (revokeSignInSessions, password change).
    valid_after: float = 0.0


@dataclass
class AppRegistration:
    client_id: str
    secret: str | None
    redirect_uris: list[str]
    name: str = "CRM Sync"
    admin_consented: bool = False


class MicrosoftState(PersistentState):
    """The tenant, users, apps, tokens, mailboxes, invitations and subscriptions."""

    def __init__(self) -> None:
        super().__init__()
        self.tenant_id = str(uuid.uuid4())
        self.users: dict[str, User] = {}
        self.apps: dict[str, AppRegistration] = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.invitations: list[dict] = []
        self.sent_mail: list[dict] = []
        self.subscriptions: dict[str, dict] = {}
        self.notifications: list[dict] = []  # every change notification sent
        self.delta_tokens: dict[str, dict] = {}  # $skiptoken / $deltatoken -> state
        self.epoch = 1  # bumped by reset: every older delta token answers 410
        self.signing_key: dict | None = None
        self.user_consent_allowed = True


class MicrosoftSandbox(StandIn):
    """A local Microsoft 365 tenant: login.microsoftonline.com and graph.microsoft.com
    on one 127.0.0.1 port."""

    name = "microsoft"
    state_class = MicrosoftState
    kept_on_reset = ("tenant_id", "users", "apps", "signing_key", "user_consent_allowed")

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        state_file: str | None = None,
        seed: int = 0,
    ):
        faults = Faults(seed, default_code=503, named_only=("identity.", "batch"))
        super().__init__(clock=clock, state_file=state_file, faults=faults)
        self.state: MicrosoftState
        self.identity = Identity(self)
        self.throttle = Throttle(self.clock)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox/"):
            return dispatch_control(self, request)
        if path.lower().startswith(("/v1.0/", "/v1.0?")) or path.lower() == "/v1.0":
            return handle_graph(self, request)
        answer = handle_identity(self, request)
        if answer is not None:
            return answer
        return GraphError(400, "Invalid version.", "BadRequest").response(self.clock.now())

    @property
    def tenant_id(self) -> str:
        return self.state.tenant_id

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"

    def authority(self, tenant: str = "common") -> str:
        return f"{self.base_url}/{tenant}/oauth2/v2.0"

    # ----- users and apps --------------------------------------------------------------
    def add_user(
        self, email: str, name: str | None = None, password: str = "password", time_zone="UTC"
    ) -> User:
        email = email.lower()
        with self.state.lock:
            user = self.state.users.get(email)
            if user is None:
                user = User(email, name or email.split("@")[0].title(), password)
                self.state.users[email] = user
            else:
                user.password = password
                user.name = name or user.name
            user.time_zone = time_zone
            self.state.mailboxes.setdefault(email, Mailbox(email))
        return user

    def mailbox(self, email: str) -> Mailbox:
        email = email.lower()
        with self.state.lock:
            if email not in self.state.mailboxes:
                self.state.mailboxes[email] = Mailbox(email)
            return self.state.mailboxes[email]

    def users(self) -> list[dict]:
        return [
            {"email": u.email, "name": u.name, "id": u.oid}
            for u in sorted(self.state.users.values(), key=lambda u: u.email)
        ]

    def set_password(self, email: str, password: str) -> None:
        """A password change: every refresh token issued before it fails (invalid_grant)."""
        user = self.state.users[email.lower()]
        user.password = password
        self.identity.revoke_sessions(user.email)

    def add_client(
        self,
        client_id: str,
        secret: str | None,
        redirect_uris: list[str],
        name: str = "CRM Sync",
        admin_consented: bool = False,
    ) -> AppRegistration:
        app = AppRegistration(client_id, secret, list(redirect_uris), name, admin_consented)
        self.state.apps[client_id] = app
        return app

    def issue_token(
        self, email: str, scopes: list[str] | str, client_id: str | None = None
    ) -> dict:
        """The token endpoint's JSON for ``email`` (refresh_token with offline_access,
        id_token with openid), without the browser round."""
        return self.identity.issue(email.lower(), scopes, client_id)

    @property
    def invitations(self) -> list[dict]:
        return self.state.invitations

    def count_call(self, email: str, op: str) -> None:
        self.state.count_call(email.lower(), op)

    # ----- reset -----------------------------------------------------------------------
    def reset(self) -> None:
        """Mailboxes emptied, older delta tokens invalid (410), throttle counters, calls,
        invitations, tokens and knobs cleared; users and app registrations kept."""
        with self.state.lock:
            epoch = self.state.epoch
            super().reset()
            self.state.epoch = epoch + 1
            for email, user in self.state.users.items():
                self.state.mailboxes[email] = Mailbox(email)
                user.valid_after = 0.0  # every token is forgotten anyway
        self.throttle.reset()

    def reset_faults(self) -> None:
        super().reset_faults()
        self.throttle.reset_knobs()

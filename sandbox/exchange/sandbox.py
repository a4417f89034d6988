"""``ExchangeSandbox``: the object tests, the demo and benchmarks hold. A
``sandbox.standin.StandIn`` (clock, state file, fault knobs, server thread, the common
control rules) that owns users and their mailboxes and answers EWS."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..clock import Clock
from ..standin import StandIn
from ..state import PersistentState
from . import ews_folders, ews_items, ews_sync  # noqa: F401  (importing registers the operations)
from .auth import Authenticator
from .control import dispatch_control
from .faults import Throttle, exchange_faults
from .outlook import Outlook
from .server import EWS_PATH, KeepAliveHandler
from .soap import handle_ews
from .store import Mailbox


class ExchangeState(PersistentState):
    """Users, their mailboxes and the invitations sent, plus the shared call counters."""

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.invitations: list[dict] = []


class ExchangeSandbox(StandIn):
    """A local Exchange Server 2016/2019 speaking EWS on one 127.0.0.1 port."""

    name = "exchange"
    state_class = ExchangeState
    handler_class = KeepAliveHandler

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        state_file: str | None = None,
        exchange_version: str = "2019",
        seed: int = 0,
    ):
        super().__init__(clock=clock, state_file=state_file, faults=exchange_faults(seed))
        self.state: ExchangeState
        self.exchange_version = exchange_version
        self.auth = Authenticator(self.state.passwords)
        self.throttle = Throttle(self.clock)
        self.outlook = Outlook(self)  # changes "as the user did in Outlook"

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return dispatch_control(self, request)
        if request.path.lower() == EWS_PATH.lower():
            return handle_ews(self, request, request.environ["sandbox.connection"])
        return Response("<h1>404 - File or directory not found.</h1>", 404)

    def stop(self) -> None:
        super().stop()
        self.auth.close()

    @property
    def ews_url(self) -> str:
        return f"{self.base_url}{EWS_PATH}"

    # ----- users and mailboxes ---------------------------------------------------------
    @property
    def passwords(self) -> dict[str, str]:
        return self.state.passwords

    @property
    def mailboxes(self) -> dict[str, Mailbox]:
        return self.state.mailboxes

    @property
    def invitations(self) -> list[dict]:
        """Every invitation a client asked to send (users of the stand-in or not)."""
        return self.state.invitations

    def add_user(self, email: str, name: str | None = None, password: str = "password"):
        email = email.lower()
        if ":" in password or "\n" in password:
            raise ValueError("a sandbox password may not contain ':' or a line break")
        with self.state.lock:
            self.state.passwords[email] = password
            self.state.names[email] = name or email.split("@")[0].title()
            if email not in self.state.mailboxes:
                number = len(self.state.mailboxes) + 1
                self.state.mailboxes[email] = Mailbox(number, email, self.state.names[email])
        self.auth.refresh()
        return self.state.mailboxes[email]

    def users(self) -> list[dict]:
        return [{"email": e, "name": self.state.names[e]} for e in sorted(self.state.passwords)]

    def count_call(self, email: str, op: str) -> None:
        self.state.count_call(email, op)

    # ----- reset -----------------------------------------------------------------------
    def reset(self) -> None:
        """Every mailbox emptied, counters, invitations and knobs cleared; users kept and
        every older sync state invalid."""
        with self.state.lock:
            for mailbox in self.state.mailboxes.values():
                mailbox.clear()
            self.state.calls.clear()
            self.state.invitations.clear()
        self.reset_faults()

    def reset_faults(self) -> None:
        super().reset_faults()
        self.throttle.reset()
        self.auth.basic = True
        self.auth.ntlm = True

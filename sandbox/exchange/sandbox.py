"""``ExchangeSandbox``: the object tests, the demo and benchmarks hold. It owns users and
their mailboxes, the clock, the knobs and the server."""

from __future__ import annotations

import os
import pickle
import threading
from collections import Counter

from ..clock import Clock
from . import ews_folders, ews_items, ews_sync  # noqa: F401  (importing registers the operations)
from .auth import Authenticator
from .control import handle as handle_control
from .faults import Faults, Throttle
from .outlook import Outlook
from .server import EWS_PATH, App, ServerThread
from .soap import handle_ews
from .store import Mailbox


class ExchangeSandbox:
    """A local Exchange Server 2016/2019 speaking EWS on one 127.0.0.1 port."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        state_file: str | None = None,
        exchange_version: str = "2019",
    ):
        self.clock = clock or Clock()
        self.state_file = state_file
        self.exchange_version = exchange_version
        self.passwords: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.mailboxes: dict[str, Mailbox] = {}
        self.calls_by_user: dict[str, Counter] = {}
        self._calls_lock = threading.Lock()
        self._save_lock = threading.Lock()
        if state_file and os.path.exists(state_file):
            self._load(state_file)
        self.auth = Authenticator(self.passwords)
        self.faults = Faults()
        self.throttle = Throttle(self.clock)
        self.invitations: list[dict] = list(getattr(self, "_loaded_invitations", []))
        self.outlook = Outlook(self)  # changes "as the user did in Outlook"
        self._server: ServerThread | None = None
        self.base_url: str | None = None

    # ----- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        self._server = ServerThread(self, App(self, handle_ews, handle_control), port)
        bound = self._server.start()
        self.base_url = f"http://127.0.0.1:{bound}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.state_file:
            self.save()
        self.auth.close()

    def __enter__(self) -> ExchangeSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def ews_url(self) -> str:
        return f"{self.base_url}{EWS_PATH}"

    # ----- users -----------------------------------------------------------------------
    def add_user(self, email: str, name: str | None = None, password: str = "password"):
        email = email.lower()
        if ":" in password or "\n" in password:
            raise ValueError("a sandbox password may not contain ':' or a line break")
        self.passwords[email] = password
        self.names[email] = name or email.split("@")[0].title()
        if email not in self.mailboxes:
            self.mailboxes[email] = Mailbox(len(self.mailboxes) + 1, email, self.names[email])
        self.auth.refresh()
        return self.mailboxes[email]

    def users(self) -> list[dict]:
        return [{"email": e, "name": self.names[e]} for e in sorted(self.passwords)]

    # ----- counters --------------------------------------------------------------------
    def count_call(self, email: str, op: str) -> None:
        with self._calls_lock:
            self.calls_by_user.setdefault(email, Counter())[op] += 1

    def calls(self, email: str | None = None) -> dict[str, int]:
        with self._calls_lock:
            if email:
                return dict(self.calls_by_user.get(email.lower(), Counter()))
            total: Counter = Counter()
            for c in self.calls_by_user.values():
                total.update(c)
            return dict(total)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self.calls_by_user.clear()

    def reset(self) -> None:
        """Every mailbox emptied, counters, invitations and knobs cleared; users kept and
        every older sync state invalid."""
        for mailbox in self.mailboxes.values():
            mailbox.clear()
        self.reset_calls()
        self.invitations.clear()
        self.reset_faults()

    def reset_faults(self) -> None:
        self.faults.reset()
        self.throttle.reset()
        self.auth.basic = True
        self.auth.ntlm = True

    # ----- persistence -----------------------------------------------------------------
    def save(self) -> None:
        if not self.state_file:
            return
        with self._save_lock:
            blob = pickle.dumps(
                {
                    "passwords": self.passwords,
                    "names": self.names,
                    "mailboxes": self.mailboxes,
                    "invitations": getattr(self, "invitations", []),
                }
            )
            tmp = f"{self.state_file}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, self.state_file)

    def _load(self, path: str) -> None:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
        self.passwords.update(data["passwords"])
        self.names.update(data["names"])
        self.mailboxes.update(data["mailboxes"])
        self._loaded_invitations = data.get("invitations", [])

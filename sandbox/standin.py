"""``StandIn``: what every local service stand-in is, whatever it imitates.

It owns the clock, the state (and its file), the fault knobs and the server thread, and
answers the common control rules (reset, calls, faults, clock, save). A service subclasses
it with its ``name``, its ``state_class``, its faults and its ``dispatch``.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from .clock import Clock
from .faults import UNREACHABLE_MODES, Faults
from .server import QuietHandler, ServerThread
from .state import PersistentState


class StandIn(ABC):
    """A local service on one 127.0.0.1 port, started and stopped by tests or the CLI."""

    name: ClassVar[str] = "sandbox"
    state_class: ClassVar[type[PersistentState]] = PersistentState
    # State attributes a reset keeps (keys, secrets: what a restart of the service keeps).
    kept_on_reset: ClassVar[tuple[str, ...]] = ()
    handler_class: ClassVar[type[WSGIRequestHandler]] = QuietHandler

    def __init__(self, *, clock: Clock | None, state_file: str | None, faults: Faults):
        self.clock = clock or Clock()
        self.state_file = state_file
        if state_file and os.path.exists(state_file):
            self.state = self.state_class.load(state_file)
        else:
            self.state = self.state_class()
        self.faults = faults
        self._server: ServerThread | None = None
        self._save_lock = threading.Lock()
        self.base_url: str | None = None

    @abstractmethod
    def dispatch(self, request: Request) -> Response:
        """Answer one HTTP request, control plane included, as the service would."""

    # ----- lifecycle -------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on ``host:port`` (0 = a free port) in a background thread; the base URL."""
        self._server = ServerThread(self, host, port, self.handler_class)
        bound = self._server.start()
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.state_file:
            self.save()

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int | None:
        return self._server.port if self._server else None

    def reset(self) -> None:
        """Forget all data and restore default knobs (keeps the server and ``kept_on_reset``)."""
        self.state.clear(*self.kept_on_reset)
        self.reset_faults()

    def save(self) -> None:
        if self.state_file:
            with self._save_lock:
                self.state.save(self.state_file)

    # ----- faults ----------------------------------------------------------------------
    def reset_faults(self) -> None:
        """No latency, no scripted or random errors, reachable again."""
        self.set_unreachable(None)
        self.faults.reset()

    def set_unreachable(self, mode: str | None, for_seconds: float | None = None) -> None:
        """None, "closed" (API connections dropped; ``/_sandbox`` still answers) or
        "refused" (port released). ``for_seconds`` (real time) restores reachability later,
        the only way back from "refused" for an out-of-process client.
        """
        if mode not in UNREACHABLE_MODES:
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

    # ----- inspection ------------------------------------------------------------------
    def calls(self, email: str | None = None) -> dict[str, int]:
        """Executed calls per operation, for one user or summed over all users."""
        return self.state.call_counts(email)

    def reset_calls(self) -> None:
        with self.state.lock:
            self.state.calls.clear()

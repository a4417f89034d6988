"""Faults (the shared knobs, with EWS codes) and Exchange-style throttling (concurrent calls
per user, a call budget per time window), both answered as Exchange does."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from ..clock import Clock
from ..faults import Faults
from .errors import exceeded_connection_count, server_busy


def fault_code(value) -> str | int:
    """A fault code from the control plane: an HTTP status (503) or an EWS ResponseCode."""
    text = str(value)
    return int(text) if text.isdigit() else text


def exchange_faults(seed: int = 0) -> Faults:
    """The shared fault knobs, answering ErrorServerBusy unless told otherwise."""
    return Faults(seed, default_code="ErrorServerBusy", code_type=fault_code)


class Throttle:
    """EWSMaxConcurrency (27 by default on Exchange 2016/2019), breached with
    ErrorExceededConnectionCount, and a budget of calls per window per user, breached with
    ErrorServerBusy and BackOffMilliseconds."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.max_concurrency: int | None = 27
        self.budget: int | None = None  # calls per window per user; None = unlimited
        self.window_seconds = 60.0
        self._lock = threading.Lock()
        self._active: dict[str, int] = {}
        self._calls: dict[str, deque[float]] = {}

    def reset(self) -> None:
        with self._lock:
            self.max_concurrency = 27
            self.budget = None
            self.window_seconds = 60.0
            self._calls.clear()

    def enter(self, email: str) -> Callable[[], None]:
        now = self.clock.time()
        with self._lock:
            if self.budget is not None:
                calls = self._calls.setdefault(email, deque())
                while calls and calls[0] <= now - self.window_seconds:
                    calls.popleft()
                if len(calls) >= self.budget:
                    wait = calls[0] + self.window_seconds - now
                    raise server_busy(max(1, int(wait * 1000)))
                calls.append(now)
            active = self._active.get(email, 0)
            if self.max_concurrency is not None and active >= self.max_concurrency:
                raise exceeded_connection_count(self.max_concurrency)
            self._active[email] = active + 1

        def release() -> None:
            with self._lock:
                self._active[email] -= 1

        return release

    def settings(self) -> dict:
        return {
            "max_concurrency": self.max_concurrency,
            "budget": self.budget,
            "window_seconds": self.window_seconds,
        }

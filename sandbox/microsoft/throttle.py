"""Graph's Outlook limits: 10,000 requests per 10 minutes per app and mailbox, and 4
concurrent requests, counted per app as the current throttling document says
(``concurrency_per = "mailbox"`` counts them per app and mailbox, as older ones did); each
breach answered 429 with Retry-After."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

from ..clock import Clock
from .errors import GraphError

DEFAULTS = {
    "budget": 10_000,
    "window_seconds": 600.0,
    "max_concurrency": 4,
    "concurrency_per": "app",
}


class Throttle:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._active: dict[tuple[str, str], int] = {}
        self._calls: dict[tuple[str, str], deque[float]] = {}
        self.throttled = 0
        self.reset_knobs()

    def reset_knobs(self) -> None:
        self.budget: int | None = DEFAULTS["budget"]
        self.window_seconds: float = DEFAULTS["window_seconds"]
        self.max_concurrency: int | None = DEFAULTS["max_concurrency"]
        self.concurrency_per: str = DEFAULTS["concurrency_per"]  # "app" or "mailbox"

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self.throttled = 0

    def settings(self) -> dict:
        return {
            "budget": self.budget,
            "window_seconds": self.window_seconds,
            "max_concurrency": self.max_concurrency,
            "concurrency_per": self.concurrency_per,
            "throttled": self.throttled,
        }

    def enter(self, app: str, mailbox: str) -> Callable[[], None]:
        """Take a slot for one request (a $batch step is one); 429 when over a limit."""
        key = (app, mailbox.lower())
        slot = key if self.concurrency_per == "mailbox" else (app, "")
        now = self.clock.time()
        with self._lock:
            if self.budget is not None:
                calls = self._calls.setdefault(key, deque())
                edge = now - self.window_seconds
                while calls and calls[0] <= edge:
                    calls.popleft()
                if len(calls) >= self.budget:
                    self.throttled += 1
                    wait = max(1, math.ceil(calls[0] + self.window_seconds - now))
                    raise GraphError(
                        429,
                        "Application is over its MailboxRequests limit.",
                        "ApplicationThrottled",
                        headers={"Retry-After": str(wait)},
                    )
            active = self._active.get(slot, 0)
            if self.max_concurrency is not None and active >= self.max_concurrency:
                self.throttled += 1
                raise GraphError(
                    429,
                    "Application is over its MailboxConcurrency limit.",
                    "ApplicationThrottled",
                    headers={"Retry-After": "1"},
                )
            if self.budget is not None:
                calls.append(now)
            self._active[slot] = active + 1

        def release() -> None:
            with self._lock:
                self._active[slot] -= 1

        return release

"""Scripted faults per EWS operation and Exchange-style throttling (concurrent calls per
user, a call budget per time window), both answering as Exchange does."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..clock import Clock
from .errors import server_busy


@dataclass
class _Scripted:
    op: str  # "" = any operation
    code: str | int  # an EWS ResponseCode, or an HTTP status such as 503
    backoff_ms: int
    remaining: int


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Scripted] = []

    def add(
        self, op: str = "", code: str | int = "ErrorServerBusy", backoff_ms: int = 0, count: int = 1
    ) -> None:
        with self._lock:
            self._queue.append(_Scripted(op, code, int(backoff_ms), int(count)))

    def take(self, op: str) -> tuple[str | int, int] | None:
        with self._lock:
            for entry in self._queue:
                if entry.op in ("", op) and entry.remaining > 0:
                    entry.remaining -= 1
                    if not entry.remaining:
                        self._queue.remove(entry)
                    return entry.code, entry.backoff_ms
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [
                {"op": e.op, "code": e.code, "backoff_ms": e.backoff_ms, "count": e.remaining}
                for e in self._queue
            ]

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()


class Throttle:
    """EWSMaxConcurrency (27 by default on Exchange 2016/2019) and a budget of calls per
    window per user; either breach answers ErrorServerBusy with BackOffMilliseconds."""

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
                raise server_busy(1000)
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

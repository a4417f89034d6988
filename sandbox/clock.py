"""An injectable clock, so tests can move time forward instead of sleeping.

Every time-dependent rule of the sandbox (token expiry, quota windows, history retention,
recurrence horizons) reads ``Clock.time()``; nothing calls ``time.time()`` directly.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time plus an offset; can be frozen and advanced."""

    def __init__(self, start: datetime | float | None = None, frozen: bool = False):
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self.set(start)
        if frozen:
            self.freeze()

    def time(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def now(self) -> datetime:
        """The sandbox time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float = 0.0, **delta: float) -> float:
        """Move time forward by ``seconds`` plus any ``timedelta`` keywords (days=, hours=...)."""
        step = seconds + timedelta(**delta).total_seconds()
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
            else:
                self._offset += step
        return self.time()

    def set(self, when: datetime | float) -> None:
        """Jump to an absolute moment (keeps ticking from there unless frozen)."""
        target = when.timestamp() if isinstance(when, datetime) else float(when)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - time.time()

    def freeze(self) -> None:
        """Stop time where it is; ``advance`` still moves it."""
        now = self.time()
        with self._lock:
            self._frozen_at = now

    def unfreeze(self) -> None:
        """Let time tick again from the current sandbox moment."""
        now = self.time()
        with self._lock:
            self._frozen_at = None
            self._offset = now - time.time()

    def reset(self) -> None:
        """Back to real wall-clock time (stays frozen, at the real now, if it was frozen)."""
        with self._lock:
            self._offset = 0.0
            if self._frozen_at is not None:
                self._frozen_at = time.time()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

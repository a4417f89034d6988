"""Fault knobs every stand-in shares: latency, queued faults per operation, random failures
and the unreachable modes.

A stand-in decides what a fault looks like on the wire (a Google 503 body, an EWS
ErrorServerBusy with its back-off); this module only decides which call gets which fault.
Faults hit API calls only, never the ``/_sandbox`` control plane, so a test can always turn
them off again.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

UNREACHABLE_MODES = (None, "closed", "refused")


@dataclass(frozen=True)
class Fault:
    """One queued failure: ``code`` is what the stand-in answers (an HTTP status, or a
    provider's error code), for the next call of an operation starting with ``op`` whose
    path contains ``path`` (if given); ``backoff_ms`` is the back-off it asks for, if any."""

    code: int | str
    op: str = ""
    path: str = ""
    backoff_ms: int | None = None

    def matches(self, op: str, path: str, named_only: tuple[str, ...]) -> bool:
        """An empty ``op`` matches every operation except the ``named_only`` ones."""
        if self.path and self.path not in path:
            return False
        if self.op:
            return op.startswith(self.op)
        return not op.startswith(named_only)


class Faults:
    """The queue and the knobs, behind one lock (handlers run on many threads)."""

    def __init__(
        self,
        seed: int = 0,
        *,
        default_code: int | str = 503,
        code_type: Callable[[Any], int | str] = int,
        named_only: tuple[str, ...] = (),
    ):
        # What a code from the control plane becomes: an HTTP status (int) or an error name.
        self.code_type = code_type
        # Operations faulted only when a test names them (a token endpoint, a batch).
        self.named_only = named_only
        self.default_code = default_code
        self.latency = 0.0  # seconds added to every faultable answer (real sleep)
        self.error_rate = 0.0  # probability of a random failure
        self.error_status: int | str = default_code
        # None, "closed" (accept then drop the connection) or "refused" (port closed).
        self.unreachable: str | None = None
        self._queue: list[Fault] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.injected = 0

    def reset(self) -> None:
        """Clear every knob except ``unreachable`` (``StandIn.reset_faults`` does that)."""
        with self._lock:
            self.latency = 0.0
            self.error_rate = 0.0
            self.error_status = self.default_code
            self._queue.clear()
            self.injected = 0

    def queue(
        self,
        count: int = 1,
        code: int | str | None = None,
        op: str = "",
        path: str = "",
        backoff_ms: int | None = None,
    ) -> None:
        """The next ``count`` calls of ``op`` (a prefix; "" = any but the named-only ones)
        answer ``code``."""
        fault = Fault(self.default_code if code is None else code, op, path, backoff_ms)
        with self._lock:
            self._queue.extend(fault for _ in range(count))

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def delay(self) -> None:
        """Sleep the configured latency, if any."""
        if self.latency:
            time.sleep(self.latency)

    def take(self, op: str, path: str = "") -> Fault | None:
        """The fault this call answers, if any; a queued one is used up."""
        with self._lock:
            for i, fault in enumerate(self._queue):
                if fault.matches(op, path, self.named_only):
                    del self._queue[i]
                    self.injected += 1
                    return fault
            if (
                self.error_rate
                and not op.startswith(self.named_only)
                and self._random.random() < self.error_rate
            ):
                self.injected += 1
                return Fault(self.error_status, op)
        return None

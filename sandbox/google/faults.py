"""Fault knobs for tests: latency, scripted or random 5xx answers, unreachable mode.

Faults hit API and token calls only, never the ``/_sandbox`` control plane, so a test can
always turn them off again.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .errors import OAuthError, backend_error

# Faulted only when a test names them: the token endpoint, and a batch request as a whole
# ("batch.gmail", "batch.calendar"; the calls inside a batch are faulted as any call).
_NAMED_ONLY = ("oauth.", "batch.")


@dataclass
class _Scripted:
    status: int
    prefix: str
    path: str = ""


class Faults:
    def __init__(self, seed: int = 0):
        self.latency = 0.0  # seconds added to every API/token answer (real sleep)
        self.error_rate = 0.0  # probability of a 5xx answer
        self.error_status = 503
        # None, "closed" (accept then drop the connection) or "refused" (port closed).
        self.unreachable: str | None = None
        self._queue: list[_Scripted] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.injected = 0

    def reset(self) -> None:
        """Clear every knob except ``unreachable`` (``GoogleSandbox.reset_faults`` does that)."""
        with self._lock:
            self.latency = 0.0
            self.error_rate = 0.0
            self.error_status = 503
            self._queue.clear()
            self.injected = 0

    def fail_next(
        self, count: int = 1, status: int = 503, method: str = "", path: str = ""
    ) -> None:
        """The next ``count`` calls whose method id starts with ``method`` (and, if given,
        whose URL path contains ``path``: one message's id, say) answer ``status``.

        Method ids look like ``calendar.events.list``, ``gmail.users.history.list`` or
        ``oauth.token``; an empty prefix matches API calls (not the token endpoint).
        """
        with self._lock:
            self._queue.extend(_Scripted(status, method, path) for _ in range(count))

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _pick(self, method_id: str, path: str = "") -> int | None:
        with self._lock:
            for i, item in enumerate(self._queue):
                if item.path and item.path not in path:
                    continue
                if (item.prefix and method_id.startswith(item.prefix)) or (
                    not item.prefix and not method_id.startswith(_NAMED_ONLY)
                ):
                    del self._queue[i]
                    self.injected += 1
                    return item.status
            if (
                self.error_rate
                and not method_id.startswith(_NAMED_ONLY)
                and (self._random.random() < self.error_rate)
            ):
                self.injected += 1
                return self.error_status
        return None

    def check_api(self, method_id: str, path: str = "") -> None:
        status = self._pick(method_id, path)
        if status is not None:
            raise backend_error(status, "gmail" if method_id.startswith("gmail") else "calendar")

    def check_token(self) -> None:
        status = self._pick("oauth.token")
        if status is not None:
            raise OAuthError("internal_failure", "Backend Error", status)

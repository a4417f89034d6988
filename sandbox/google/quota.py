"""Per-user rate limits with Google's documented numbers and error bodies.

Calendar: 600 requests per minute per user. Gmail: 15,000 quota units per minute per user,
each method costing its documented units. A sliding 60 s window on the sandbox clock, so
tests advance the clock instead of sleeping.

A breach answers Gmail's documented 403 ``usageLimits/userRateLimitExceeded`` (429 as a knob)
and Calendar's 403 ``rateLimitExceeded``; Google does not promise a Retry-After on them, so
the header is a knob, off by default, and a client must back off on its own
(https://developers.google.com/gmail/api/reference/quota,
https://developers.google.com/gmail/api/guides/handle-errors#exponential-backoff).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import UTC, datetime

from ..clock import Clock
from .errors import ApiError

GMAIL_COSTS = {
    "gmail.users.getProfile": 1,
    "gmail.users.history.list": 2,
    "gmail.users.labels.list": 1,
    "gmail.users.labels.get": 1,
    "gmail.users.messages.list": 5,
    "gmail.users.messages.get": 5,
    "gmail.users.messages.modify": 5,
    "gmail.users.messages.trash": 5,
    "gmail.users.messages.untrash": 5,
    "gmail.users.messages.delete": 10,
    "gmail.users.threads.list": 10,
    "gmail.users.threads.get": 10,
}


GMAIL_CONCURRENT = 10


def cost_of(method_id: str) -> int:
    return GMAIL_COSTS.get(method_id, 1) if method_id.startswith("gmail.") else 1


class Quota:
    """Limits are plain attributes: change them per test (``sb.quota.calendar_per_minute = 5``)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.window = 60.0
        self.calendar_per_minute = 600
        self.gmail_units_per_minute = 15_000
        # How a breach is answered: Calendar documents both 403 and 429; Gmail mostly 429.
        self.calendar_status = 403
        self.calendar_reason = "rateLimitExceeded"  # or "userRateLimitExceeded"
        self.gmail_status = 403  # 403 userRateLimitExceeded, as documented; or 429
        # Whether a breach names its wait in Retry-After (Google: not guaranteed).
        self.retry_after = False
        # Calls of one batch Gmail runs at once for a user; the calls beyond it are refused
        # with "Too many concurrent requests for user" (429, no Retry-After, not charged).
        # Google publishes no number; batches past about ten calls meet it. None: no limit.
        self.gmail_concurrent: int | None = GMAIL_CONCURRENT
        self.enabled = True
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, str], deque[tuple[float, int]]] = {}

    def reset(self) -> None:
        with self._lock:
            self._spent.clear()

    def used(self, email: str, api: str) -> int:
        now = self.clock.time()
        with self._lock:
            log = self._spent.get((email, api), deque())
            return sum(c for t, c in log if t > now - self.window)

    def check_concurrent(self, method_id: str, slot: int | None) -> None:
        """`slot`: the call's place in its batch (None outside a batch)."""
        if (
            self.enabled
            and slot is not None
            and self.gmail_concurrent is not None
            and method_id.startswith("gmail.")
            and slot >= self.gmail_concurrent
        ):
            raise ApiError(
                429,
                "Too many concurrent requests for user.",
                "rateLimitExceeded",
                domain="usageLimits",
                api="gmail",
            )

    def charge(self, email: str, method_id: str) -> None:
        """Spend the method's cost or raise the rate-limit error."""
        if not self.enabled:
            return
        api = method_id.split(".", 1)[0]
        cost = cost_of(method_id)
        limit = self.calendar_per_minute if api == "calendar" else self.gmail_units_per_minute
        now = self.clock.time()
        with self._lock:
            log = self._spent.setdefault((email, api), deque())
            while log and log[0][0] <= now - self.window:
                log.popleft()
            spent = sum(c for _, c in log)
            if spent + cost <= limit:
                log.append((now, cost))
                return
            retry = max(1, math.ceil(log[0][0] + self.window - now)) if log else 1
        raise self._error(api, retry, now)

    def _error(self, api: str, retry: int, now: float) -> ApiError:
        headers = {"Retry-After": str(retry)} if self.retry_after else {}
        if api == "calendar":
            user = self.calendar_reason == "userRateLimitExceeded"
            msg = "User Rate Limit Exceeded" if user else "Rate Limit Exceeded"
            return ApiError(
                self.calendar_status,
                msg,
                self.calendar_reason,
                domain="usageLimits",
                headers=headers,
            )
        until = datetime.fromtimestamp(now + retry, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        if self.gmail_status == 403:
            return ApiError(
                403,
                "User Rate Limit Exceeded",
                "userRateLimitExceeded",
                domain="usageLimits",
                api="gmail",
                headers=headers,
            )
        msg = f"User-rate limit exceeded.  Retry after {until[:-3]}Z"
        return ApiError(
            429, msg, "rateLimitExceeded", domain="usageLimits", api="gmail", headers=headers
        )

"""Retry timing every adapter shares: jittered exponential back-off within a call, and the
server's own wait (Retry-After, EWS BackOffMilliseconds) read as seconds."""

from __future__ import annotations

import random


def backoff_delay(base_delay: float, attempt: int) -> float:
    """Seconds to wait before try `attempt + 1`: base * 2^(attempt-1), full jitter around it."""
    base = base_delay * (2 ** (attempt - 1))
    return base * (0.5 + random.random())


def server_wait(asked: float | None, base_delay: float, attempt: int) -> float:
    """What to sleep after a busy answer: the server's wait when it named one, else our
    back-off."""
    return asked if asked is not None and asked >= 0 else backoff_delay(base_delay, attempt)


def retry_after_seconds(value: str | None) -> float | None:
    """An HTTP Retry-After header in seconds (None when absent or not a number)."""
    try:
        return float(value) if value else None
    except ValueError:
        return None

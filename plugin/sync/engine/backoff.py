"""When a failed run comes back: the one backoff rule every job (sync, unlink) shares."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app


def backoff_delay(failures: int, interval_minutes: int) -> timedelta:
    """Exponential in consecutive failures, from the sync interval, capped."""
    cap = int(current_app.config.get("CRM_SYNC_MAX_BACKOFF_MINUTES", 360))
    return timedelta(minutes=min(cap, interval_minutes * (2 ** max(0, failures - 1))))

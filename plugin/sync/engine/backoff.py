"""When a failed run comes back: the one backoff rule every job (sync, unlink) shares.

Backoff follows progress. A sync run that committed pages of the feed it stopped in and then
met a transient error (5xx, timeout) resumes soon, from its saved page: at the normal
interval or sooner (CRM_SYNC_PROGRESS_RETRY_SECONDS). Only runs that moved nothing grow the
wait and count towards "Error", so a flaky provider slows a first sync down but never parks
it for hours, while one that is down keeps backing off.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ...models import LinkedAccount, utcnow
from ...models.linked import UNLINKING

# Consecutive runs that moved nothing before the account shows "Error".
ERROR_AFTER = 3


def backoff_delay(failures: int, interval_minutes: int) -> timedelta:
    """Exponential in consecutive failures, from the sync interval, capped."""
    cap = int(current_app.config.get("CRM_SYNC_MAX_BACKOFF_MINUTES", 360))
    return timedelta(minutes=min(cap, interval_minutes * (2 ** max(0, failures - 1))))


def progress_retry(interval_minutes: int) -> timedelta:
    """How soon a run that made progress comes back: the interval, or sooner."""
    seconds = float(current_app.config.get("CRM_SYNC_PROGRESS_RETRY_SECONDS", 60))
    return min(timedelta(seconds=seconds), timedelta(minutes=interval_minutes))


def after_failure(account: LinkedAccount, progressed: bool, interval_minutes: int) -> None:
    """Schedule the next run after a failed one, counting only failures without progress."""
    if progressed:
        account.failure_count = 0
        if account.status == "error":
            account.status = "active"
        account.next_sync_at = utcnow() + progress_retry(interval_minutes)
        return
    account.failure_count = (account.failure_count or 0) + 1
    if account.failure_count >= ERROR_AFTER and account.status not in UNLINKING:
        account.status = "error"
    account.next_sync_at = utcnow() + backoff_delay(account.failure_count, interval_minutes)

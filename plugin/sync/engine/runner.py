"""One sync run of one linked account: feeds in turn, every outcome recorded on a SyncRun.

What each error class does (DESIGN section 5):
Throttled -> stop, come back after Retry-After, continue from the saved page token;
AuthRevoked -> needs_relink, no retries; LeaseLost -> stop, the lease's new owner goes on;
anything else -> backoff by failure_count (engine.backoff).

An account whose user asked to unlink it (status "unlinking"/"unlinking_drop") is not synced
here: the dispatcher hands it to the unlink job instead (plugin.sync.jobs).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from ...models import LinkedAccount, SyncRun, utcnow
from ...models.linked import UNLINKING
from ...settings import get_settings
from ...state import session
from ..errors import AuthRevoked, LeaseLost, SyncError, Throttled
from ..providers import get_provider
from .backoff import backoff_delay
from .context import SyncContext, owner_emails
from .emails import apply_messages, known_messages, purge_unseen_messages
from .events import apply_events, purge_unseen_events
from .feed import Feed, run_feed
from .outbound import push_changes

log = logging.getLogger(__name__)


def feeds_for(ctx: SyncContext) -> list[Feed]:
    account, provider = ctx.account, ctx.provider
    feeds = []
    if account.sync_calendar:
        feeds.append(
            Feed("calendar", "event", provider.list_events, apply_events, purge_unseen_events)
        )
    if account.sync_email:
        feeds.append(
            Feed(
                "mail",
                "email",
                provider.list_messages,
                apply_messages,
                purge_unseen_messages,
                known=known_messages,
            )
        )
    return feeds


def sync_account(
    account_id: int,
    worker: str | None = None,
    trigger: str = "schedule",
    matcher_factory=None,
) -> SyncRun | None:
    """Sync one linked account now, committing page by page, and record the run.

    An account being unlinked is not synced (None): its job is the unlink (plugin.sync.jobs).
    One whose unlinking was asked for while this run went on is left due at once, its lease
    kept for the unlink job that follows.
    """
    s = session()
    account = s.get(LinkedAccount, account_id)
    if account is None:
        raise LookupError(f"No linked account {account_id}")
    if account.status in UNLINKING:
        return None
    settings = get_settings()
    # Renew (and check) the lease only when this worker claimed it; a direct call holds none.
    lease_holder = worker if worker is not None and account.lease_owner == worker else None
    _close_abandoned(s, account.id)
    run = SyncRun(linked_account_id=account.id, trigger=trigger, worker=worker, started_at=utcnow())
    s.add(run)
    s.commit()
    began = time.monotonic()
    provider = None

    def save_token(token: dict) -> None:
        # Refreshed by Authlib mid-run: persist at once so a crash cannot lose it.
        account.credentials = {**(account.credentials or {}), **token}
        s.commit()

    interval = settings.sync_interval_minutes
    try:
        provider = get_provider(account, on_token=save_token)
        ctx = SyncContext(
            session=s,
            account=account,
            provider=provider,
            run=run,
            past_days=settings.window_past_days,
            future_days=settings.window_future_days,
            lease_seconds=int(current_app.config["CRM_SYNC_LEASE_SECONDS"]),
            owner_emails=owner_emails(account),
            matcher_factory=matcher_factory,
            worker=lease_holder,
        )
        for feed in feeds_for(ctx):
            run_feed(ctx, feed)
        push_changes(ctx)
    except LeaseLost as exc:
        # Another worker owns the account now: record the run's end, touch nothing else.
        s.rollback()
        log.warning("sync of linked account %s stopped: %s", account_id, exc)
        run.status = "lease_lost"
        run.error = str(exc)
        run.finished_at = utcnow()
        run.duration_ms = int((time.monotonic() - began) * 1000)
        run.api_calls = provider.api_calls if provider is not None else 0
        if provider is not None:
            provider.close()
        s.commit()
        return run
    except Throttled as exc:
        s.rollback()
        wait = exc.retry_after if exc.retry_after is not None else 60
        _finish(run, account, "throttled", str(exc), provider, began)
        account.next_sync_at = utcnow() + timedelta(seconds=wait)
    except AuthRevoked as exc:
        s.rollback()
        _finish(run, account, "failed", str(exc), provider, began)
        if account.status not in UNLINKING:
            account.status = "needs_relink"
            account.next_sync_at = None
    except (SyncError, Exception) as exc:  # noqa: BLE001 - every failure is recorded on the run
        s.rollback()
        if not isinstance(exc, SyncError):
            log.exception("sync of linked account %s failed", account_id)
        message = str(exc) or type(exc).__name__
        _finish(run, account, "failed", message, provider, began)
        account.failure_count = (account.failure_count or 0) + 1
        if account.failure_count >= 3 and account.status not in UNLINKING:
            account.status = "error"
        account.next_sync_at = utcnow() + backoff_delay(account.failure_count, interval)
    else:
        _finish(run, account, "ok", None, provider, began)
        account.failure_count = 0
        account.last_error = None
        if account.status == "error":
            account.status = "active"
        account.last_sync_at = run.finished_at
        account.initial_sync_done = True
        account.next_sync_at = utcnow() + timedelta(minutes=interval)
    finally:
        if provider is not None:
            provider.close()
    if account.status == "paused":
        account.next_sync_at = None
    if account.status in UNLINKING:
        # Unlinking was asked for during the run: due at once, the lease kept for that job.
        account.next_sync_at = utcnow()
    elif account.lease_owner == worker:
        account.lease_owner = None
        account.lease_expires_at = None
    s.commit()
    return run


def _close_abandoned(s, account_id: int) -> None:
    """Runs left 'running' by a worker that died (we hold the lease now, so they are over)."""
    s.execute(
        update(SyncRun)
        .where(SyncRun.linked_account_id == account_id, SyncRun.status == "running")
        .values(status="abandoned", error="The worker stopped mid-run", finished_at=utcnow())
    )


def _finish(run, account, status, error, provider, began) -> None:
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    run.duration_ms = int((time.monotonic() - began) * 1000)
    run.api_calls = provider.api_calls if provider is not None else 0
    if error:
        account.last_error = error

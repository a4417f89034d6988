"""One sync run of one linked account: feeds in turn, every outcome recorded on a SyncRun.

What each error class does (DESIGN section 5):
Throttled -> stop, come back after Retry-After, continue from the saved page token;
AuthRevoked -> needs_relink, no retries; LeaseLost -> stop, the lease's new owner goes on;
TransientError after the stage it stopped in (a feed, or the push) committed something -> back
soon (progress; judged per stage, so a busy calendar cannot hide a mail feed that always fails);
anything else -> backoff by failure_count (engine.backoff).

A run holds the account's lease throughout (plugin.sync.lease): taken, or renewed when the
caller holds it, before the run starts; renewed with every page it commits; and checked again
in the commit that settles the account. A worker that lost it writes nothing more to the
account and closes only its own run.

An account whose user asked to unlink it (status "unlinking"/"unlinking_drop") is not synced
here: the dispatcher hands it to the unlink job instead (plugin.sync.jobs).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select, update
from sqlalchemy.exc import SQLAlchemyError

from ...models import LinkedAccount, SyncRun, utcnow
from ...models.linked import UNLINKING
from ...settings import get_settings
from ...state import session
from .. import grants, lease
from ..errors import AuthRevoked, LeaseLost, SyncError, Throttled, TransientError
from ..providers import get_provider
from .backoff import after_failure
from .context import SyncContext, owner_emails
from .emails import apply_messages, known_messages, purge_unseen_messages
from .events import apply_events, known_occurrences, purge_unseen_events
from .feed import Feed, run_feed
from .outbound import push_changes

log = logging.getLogger(__name__)


def feeds_for(ctx: SyncContext) -> list[Feed]:
    account, provider = ctx.account, ctx.provider
    feeds = []
    if grants.feed_on(account, "calendar"):
        feeds.append(
            Feed(
                "calendar",
                "event",
                provider.list_events,
                apply_events,
                purge_unseen_events,
                known=known_occurrences,
            )
        )
    if grants.feed_on(account, "mail"):
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
    trigger: str | None = None,
    matcher_factory=None,
) -> SyncRun | None:
    """Sync one linked account now under its lease, committing page by page; record the run.

    `worker` names the lease holder (this process by default). The lease is taken here, or
    renewed when the caller holds it already (the dispatcher, which keeps it for the next job).
    The run records `trigger`, or else what asked for it (LinkedAccount.pending_trigger,
    which it takes), or else "schedule".
    An account being unlinked is not synced (None): its job is the unlink (plugin.sync.jobs).
    One whose unlinking was asked for while this run went on is left due at once.

    :raises LeaseHeld: another worker holds the account's lease; nothing was done.
    """
    s = session()
    account = s.get(LinkedAccount, account_id)
    if account is None:
        raise LookupError(f"No linked account {account_id}")
    if account.status in UNLINKING:
        return None
    worker = worker or lease.worker_id()
    with lease.held(account_id, worker) as until:
        s.refresh(account)
        if account.status in UNLINKING:
            return None
        return _run(s, account, worker, until, trigger, matcher_factory)


def _run(s, account, worker, lease_until, trigger, matcher_factory) -> SyncRun:
    settings = get_settings()
    _close_abandoned(s, account.id, worker)
    run = SyncRun(
        linked_account_id=account.id,
        account_label=str(account),
        trigger=trigger or account.pending_trigger or "schedule",
        worker=worker,
        started_at=utcnow(),
    )
    account.pending_trigger = None  # served by this run
    s.add(run)
    s.commit()
    began = time.monotonic()
    provider = None
    ctx = None

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
            worker=worker,
            lease_until=lease_until,
        )
        for feed in feeds_for(ctx):
            run_feed(ctx, feed)
        ctx.progress = 0  # pushing is a stage of its own
        push_changes(ctx)
    except LeaseLost as exc:
        s.rollback()
        held_until = ctx.lease_until if ctx is not None else lease_until
        return _lease_lost(s, run, str(exc), provider, began, held_until)
    except Throttled as exc:
        s.rollback()
        outcome, failure = "throttled", exc
    except (SyncError, Exception) as exc:  # noqa: BLE001 - every failure is recorded on the run
        s.rollback()
        if not isinstance(exc, SyncError):
            log.exception("sync of linked account %s failed", account.id)
        outcome, failure = "failed", exc
    else:
        outcome, failure = "ok", None
    finally:
        if provider is not None:
            provider.close()
    # The account's bookkeeping commits only while the lease is still ours.
    held_until = ctx.lease_until if ctx is not None else lease_until
    if lease.renew(account.id, worker) is None:
        s.rollback()
        return _lease_lost(s, run, _lost(account.id, worker), provider, began, held_until)
    _finish(run, account, outcome, user_message(failure), provider, began)
    if isinstance(failure, Throttled):
        wait = failure.retry_after if failure.retry_after is not None else 60
        account.next_sync_at = utcnow() + timedelta(seconds=wait)
    elif isinstance(failure, AuthRevoked):
        if account.status not in UNLINKING:
            account.status = "needs_relink"
            account.next_sync_at = None
    elif failure is not None:
        progressed = isinstance(failure, TransientError) and ctx is not None and ctx.progress > 0
        after_failure(account, progressed, interval)
    else:
        account.failure_count = 0
        account.last_error = None
        if account.status == "error":
            account.status = "active"
        account.last_sync_at = run.finished_at
        account.initial_sync_done = True
        account.next_sync_at = utcnow() + timedelta(minutes=interval)
    if account.pending_trigger is not None and not isinstance(failure, (Throttled, AuthRevoked)):
        # Asked for again while this run went on: serve it now, not at the next interval.
        account.next_sync_at = utcnow()
    if account.status == "paused":
        account.next_sync_at = None
    if account.status in UNLINKING:
        # Unlinking was asked for during the run: due at once, for the unlink job.
        account.next_sync_at = utcnow()
    s.commit()
    return run


def user_message(exc: BaseException | None) -> str | None:
    """What the run's error says to the user: a sync error's own sentence; never the raw
    SQL or driver text of a database error, nor a bare Python exception."""
    if exc is None:
        return None
    if isinstance(exc, SyncError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, SQLAlchemyError):
        return "The database refused to save part of this sync; the next run tries again."
    return f"The sync stopped on an unexpected error ({type(exc).__name__}); see the server log."


def _lost(account_id: int, worker: str) -> str:
    return f"Linked account {account_id}: lease lost by {worker}"


def _lease_lost(s, run, message, provider, began, held_until) -> SyncRun:
    """Another worker owns the account now (or may): close our run, touch nothing else.

    The run ended when our lease did, since nothing after that was committed."""
    log.warning("sync of linked account %s stopped: %s", run.linked_account_id, message)
    now = utcnow()
    run.status = "lease_lost"
    run.error = "Another worker took over this sync; it goes on there."  # who: in the log
    run.finished_at = min(now, held_until) if held_until is not None else now
    run.duration_ms = int((time.monotonic() - began) * 1000)
    run.api_calls = provider.api_calls if provider is not None else 0
    s.commit()
    return run


def _close_abandoned(s, account_id: int, worker: str) -> None:
    """Runs left 'running' by a worker that died or lost the lease: over, since `worker`
    holds the lease now. The UPDATE itself checks that, so it never closes a live run."""
    s.execute(
        update(SyncRun)
        .where(
            SyncRun.linked_account_id == account_id,
            SyncRun.status == "running",
            exists(
                select(LinkedAccount.id).where(
                    LinkedAccount.id == account_id, lease.held_by(worker, utcnow())
                )
            ),
        )
        .values(status="abandoned", error="The worker stopped mid-run", finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _finish(run, account, status, error, provider, began) -> None:
    run.status = status
    run.error = error
    run.finished_at = utcnow()
    run.duration_ms = int((time.monotonic() - began) * 1000)
    run.api_calls = provider.api_calls if provider is not None else 0
    if error:
        account.last_error = error

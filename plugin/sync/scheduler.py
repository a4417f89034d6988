"""APScheduler dispatch: claim due linked accounts under a lease, run each one's job, release.

Two kinds of job (plugin.sync.jobs): an account being unlinked has its unlink finished, any
other is synced.

Any number of worker processes may share one database: on PostgreSQL the claim is one
`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`, so two workers never
take the same account; on SQLite (one worker) a guarded UPDATE per account. A lease that
expired (its worker died) may be claimed again. APScheduler's own job store is not shared
between processes (its FAQ says it cannot be), so each process keeps its own in memory.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import and_, bindparam, func, select, text, update

from ..models import LinkedAccount, utcnow
from ..models.linked import UNLINKING
from ..state import session
from .errors import LeaseHeld
from .lease import is_free, release, worker_id

__all__ = ["claim_due", "dispatch", "run_claimed", "worker_id"]

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "crm_sync_dispatch"
SCHEDULABLE = ("active", "error")
# Claimed like due accounts: their job is the unlink (revoke, delete), under the lease.
CLAIMABLE = SCHEDULABLE + UNLINKING


def _due(now):
    return and_(
        LinkedAccount.status.in_(CLAIMABLE),
        LinkedAccount.next_sync_at.isnot(None),
        LinkedAccount.next_sync_at <= now,
        is_free(now),
    )


def claim_due(worker: str, limit: int, lease_seconds: int) -> list[int]:
    """Lease up to `limit` due accounts to `worker`, the longest due first; returns their ids
    (committed). Each one's lease is checked again, and renewed, just before its job runs."""
    s = session()
    now = utcnow()
    expires = now + timedelta(seconds=lease_seconds)
    if s.get_bind().dialect.name == "postgresql":
        ids = [
            row[0]
            for row in s.execute(
                text(
                    "UPDATE crm_linked_accounts SET lease_owner = :w, lease_expires_at = :exp "
                    "WHERE id IN (SELECT id FROM crm_linked_accounts "
                    "WHERE status IN :claimable AND next_sync_at IS NOT NULL "
                    "AND next_sync_at <= :now "
                    "AND (lease_owner IS NULL OR lease_expires_at < :now) "
                    "ORDER BY next_sync_at, id LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING id"
                ).bindparams(bindparam("claimable", expanding=True)),
                {"w": worker, "exp": expires, "now": now, "n": limit, "claimable": CLAIMABLE},
            )
        ]
    else:
        candidates = s.scalars(
            select(LinkedAccount.id)
            .where(_due(now))
            .order_by(LinkedAccount.next_sync_at, LinkedAccount.id)
            .limit(limit)
        ).all()
        ids = []
        for account_id in candidates:
            result = s.execute(
                update(LinkedAccount)
                .where(LinkedAccount.id == account_id, _due(now))
                .values(lease_owner=worker, lease_expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                ids.append(account_id)
    s.commit()
    return ids


def due_count() -> int:
    """Accounts waiting for a sync or an unlink, leased or not (idle when this is 0)."""
    now = utcnow()
    return session().scalar(
        select(func.count(LinkedAccount.id)).where(
            LinkedAccount.status.in_(CLAIMABLE),
            LinkedAccount.next_sync_at.isnot(None),
            LinkedAccount.next_sync_at <= now,
        )
    )


def dispatch(app: Flask, worker: str | None = None) -> int:
    """The short job: claim, run each claimed account's job with its own commits, release."""
    worker = worker or worker_id()
    with app.app_context():
        config = app.config
        ids = claim_due(
            worker,
            int(config["CRM_SYNC_MAX_ACCOUNTS_PER_DISPATCH"]),
            int(config["CRM_SYNC_LEASE_SECONDS"]),
        )
        run_claimed(ids, worker)
        session().remove()
        return len(ids)


def run_claimed(ids: list[int], worker: str) -> int:
    """Run each claimed account's job in turn, each only while its lease is still ours (a
    later one may have run out meanwhile and gone to another worker); returns how many ran."""
    from .jobs import run_job

    ran = 0
    for account_id in ids:
        try:
            run_job(account_id, worker)
            ran += 1
            release(account_id, worker)  # the claim's lease, ours still
            session().commit()
        except LeaseHeld as exc:
            session().rollback()
            log.warning(
                "dispatch: linked account %s lease taken by another worker; skipped (%s)",
                account_id,
                exc,
            )
        except Exception:  # noqa: BLE001 - one account must not stop the others
            log.exception("dispatch: linked account %s", account_id)
            session().rollback()
            release(account_id, worker)
            session().commit()
    return ran


def add_dispatch_job(scheduler: BaseScheduler, app: Flask, worker: str | None = None) -> None:
    scheduler.add_job(
        dispatch,
        "interval",
        seconds=float(app.config["CRM_SYNC_DISPATCH_SECONDS"]),
        args=[app, worker],
        id=DISPATCH_JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        next_run_time=utcnow_aware(),
    )


def utcnow_aware():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def run_worker(app: Flask, exit_when_idle: bool = False) -> None:
    """`flask crm-sync worker`: dispatch until stopped (or until nothing is due)."""
    worker = worker_id()
    if exit_when_idle:
        # A loop instead of a scheduler, so the test and the CLI can end when work runs out.
        import time

        while True:
            dispatch(app, worker)
            with app.app_context():
                if due_count() == 0:
                    return
            time.sleep(float(app.config["CRM_SYNC_DISPATCH_SECONDS"]))
    scheduler = BlockingScheduler(timezone="UTC")
    add_dispatch_job(scheduler, app, worker)
    log.info(
        "crm-sync worker %s dispatching every %ss", worker, app.config["CRM_SYNC_DISPATCH_SECONDS"]
    )
    scheduler.start()


def start_in_process(app: Flask) -> BackgroundScheduler:
    """One background scheduler for this app (the demo); never started at import."""
    state = app.extensions["crm_sync"]
    if state.scheduler is not None:
        return state.scheduler
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    add_dispatch_job(scheduler, app)
    scheduler.start()
    state.scheduler = scheduler
    return scheduler


def wake(app: Flask) -> bool:
    """Run the dispatch job now in the in-process scheduler, if there is one."""
    scheduler = app.extensions["crm_sync"].scheduler
    if scheduler is None:
        return False
    job = scheduler.get_job(DISPATCH_JOB_ID)
    if job is None:
        return False
    job.modify(next_run_time=utcnow_aware())
    return True

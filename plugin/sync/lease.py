"""A linked account's lease: which worker may sync (or unlink) it, and until when.

Each change is one guarded UPDATE whose rowcount says whether it took, so two workers can
never both believe they hold one account: a claim or take needs the lease free or expired,
a renewal needs it still ours and not yet expired. The caller commits (a renewal rides in the
same transaction as the page it vouches for). Times are the workers' naive UTC clocks.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..models import LinkedAccount, utcnow
from ..state import session
from .errors import LeaseHeld


def worker_id(prefix: str = "") -> str:
    """This process's name as a lease holder: host:pid (with a prefix such as "cli:")."""
    return f"{prefix}{socket.gethostname()}:{os.getpid()}"


def lease_seconds() -> int:
    return int(current_app.config["CRM_SYNC_LEASE_SECONDS"])


def _set(account_id: int, guard, values: dict) -> bool:
    result = session().execute(
        update(LinkedAccount)
        .where(LinkedAccount.id == account_id, guard)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def is_free(now: datetime):
    """The SQL condition: nobody holds the lease (never taken, released, or expired)."""
    return or_(LinkedAccount.lease_owner.is_(None), LinkedAccount.lease_expires_at < now)


def held_by(worker: str, now: datetime):
    """The SQL condition: `worker` holds the lease at `now`."""
    return and_(LinkedAccount.lease_owner == worker, LinkedAccount.lease_expires_at > now)


def take(account_id: int, worker: str, seconds: int | None = None) -> datetime | None:
    """Take the lease if it is free, expired or already ours; the new expiry, or None."""
    now = utcnow()
    until = now + timedelta(seconds=seconds if seconds is not None else lease_seconds())
    guard = or_(is_free(now), LinkedAccount.lease_owner == worker)
    return (
        until
        if _set(account_id, guard, {"lease_owner": worker, "lease_expires_at": until})
        else None
    )


def renew(account_id: int, worker: str, seconds: int | None = None) -> datetime | None:
    """Extend the lease only while `worker` still holds it unexpired; the new expiry, or None."""
    now = utcnow()
    until = now + timedelta(seconds=seconds if seconds is not None else lease_seconds())
    ok = _set(account_id, held_by(worker, now), {"lease_expires_at": until})
    return until if ok else None


def release(account_id: int, worker: str) -> bool:
    """Give the lease up, if it is still ours."""
    return _set(
        account_id,
        LinkedAccount.lease_owner == worker,
        {"lease_owner": None, "lease_expires_at": None},
    )


def holder(account_id: int) -> tuple[str, datetime] | None:
    """Who holds the account's lease now, and until when (None: nobody)."""
    row = (
        session()
        .execute(
            select(LinkedAccount.lease_owner, LinkedAccount.lease_expires_at).where(
                LinkedAccount.id == account_id
            )
        )
        .first()
    )
    if row is None or row[0] is None or row[1] is None or row[1] <= utcnow():
        return None
    return row[0], row[1]


@contextmanager
def held(account_id: int, worker: str) -> Iterator[datetime]:
    """Hold the account's lease for the block, committed before it starts.

    Takes it (or renews it, when the caller holds it already); gives it back at the end
    only when taken here, so an outer holder keeps it.

    :raises LeaseHeld: another worker holds it.
    """
    s = session()
    mine = holder(account_id)
    ours_already = mine is not None and mine[0] == worker
    until = take(account_id, worker)
    if until is None:
        s.rollback()
        other = holder(account_id)
        name, expiry = other if other is not None else ("another worker", None)
        raise LeaseHeld(account_id, name, expiry)
    s.commit()
    try:
        yield until
    finally:
        if not ours_already:
            s.rollback()
            release(account_id, worker)
            s.commit()

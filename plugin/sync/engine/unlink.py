"""The engine's half of unlinking: revoke the grant, then remove the account and its rows.

plugin.sync.linking.unlink_account only marks the account ("unlinking" keeps the items
already synced, "unlinking_drop" removes those only this account brought) and makes it due;
the dispatcher claims it like a due account and hands it to this job (plugin.sync.jobs), which
runs holding the lease, so nothing is deleted under a worker that is still syncing it.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, exists, insert, literal, select, update

from ...models import (
    CalendarEvent,
    Email,
    EmailLink,
    EventLink,
    KeptEmail,
    KeptEvent,
    LinkedAccount,
    SyncCursor,
    SyncProblem,
    SyncRun,
    utcnow,
)
from ...models.linked import UNLINKING
from ...settings import get_settings
from ...state import session
from ..errors import AuthRevoked, SyncError, Throttled, TransientError
from ..providers import get_provider
from .backoff import backoff_delay

log = logging.getLogger(__name__)

# After this many failed attempts to reach the provider the account is removed anyway: the
# user asked for it to go, and a grant we cannot revoke is one the provider is not honouring.
REVOKE_ATTEMPTS = 5


def finish_unlink(account_id: int, worker: str | None) -> bool:
    """Revoke (best effort), remove own items unless kept, delete the account.

    Returns True when the account was deleted; False when revoking must be retried later
    (backoff by failure_count) or the account was re-linked meanwhile.
    """
    s = session()
    account = s.get(LinkedAccount, account_id)
    if account is None or account.status not in UNLINKING:
        return False
    status = account.status
    holder = worker if worker is not None and account.lease_owner == worker else None
    if not _revoke(account):
        account.failure_count = (account.failure_count or 0) + 1
        if account.failure_count < REVOKE_ATTEMPTS:
            interval = get_settings().sync_interval_minutes
            account.next_sync_at = utcnow() + backoff_delay(account.failure_count, interval)
            if holder is not None:
                account.lease_owner = None
                account.lease_expires_at = None
            s.commit()
            return False
        log.warning(
            "unlink %s: revoking failed %s times; removed anyway", account_id, REVOKE_ATTEMPTS
        )
    if status == "unlinking_drop":
        _remove_own_items(account_id)
    else:
        keep_items(account)
    for model in (EventLink, EmailLink):
        s.execute(delete(model).where(model.linked_account_id == account_id))
    for model in (SyncProblem, SyncCursor):
        s.execute(delete(model).where(model.linked_account_id == account_id))
    detach_runs(account_id)
    # Only the row still marked for unlinking (and still ours, when leased): a re-link that
    # reset it meanwhile wins, and everything above is rolled back.
    guard = [LinkedAccount.id == account_id, LinkedAccount.status == status]
    if holder is not None:
        guard.append(LinkedAccount.lease_owner == holder)
    gone = s.execute(
        delete(LinkedAccount).where(*guard).execution_options(synchronize_session=False)
    )
    if gone.rowcount != 1:
        s.rollback()
        log.info("unlink %s: the account changed meanwhile (re-linked?); kept", account_id)
        if holder is not None:
            account = s.get(LinkedAccount, account_id)
            if account is not None and account.lease_owner == holder:
                account.lease_owner = None
                account.lease_expires_at = None
                s.commit()
        return False
    s.commit()
    return True


def detach_runs(account_id: int) -> None:
    """Keep the account's run history once it goes: the runs lose their account (as ON
    DELETE SET NULL would, which SQLite enforces only with foreign keys switched on) and keep
    their label, so admin still lists them, as unlinked."""
    session().execute(
        update(SyncRun)
        .where(SyncRun.linked_account_id == account_id)
        .values(linked_account_id=None)
        .execution_options(synchronize_session=False)
    )


def _revoke(account: LinkedAccount) -> bool:
    """False when the provider could not be reached (try again later)."""
    try:
        provider = get_provider(account)
    except (AuthRevoked, KeyError) as exc:  # no usable token, or a provider no longer set up
        log.info("unlink %s: nothing to revoke (%s)", account.id, exc)
        return True
    try:
        provider.revoke()
    except (TransientError, Throttled) as exc:
        log.info("unlink %s: revoke failed, will retry (%s)", account.id, exc)
        account.last_error = f"Revoking the grant failed: {exc}"
        return False
    except SyncError as exc:  # AuthRevoked and the like: the grant is already dead
        log.info("unlink %s: revoke refused (%s); the grant is gone", account.id, exc)
    except Exception as exc:  # noqa: BLE001 - a network library error: retry later
        log.exception("unlink %s: revoke failed", account.id)
        account.last_error = f"Revoking the grant failed: {type(exc).__name__}"
        return False
    finally:
        provider.close()
    return True


def keep_items(account: LinkedAccount) -> None:
    """Record that the account's user keeps every meeting and email it brought: its links go
    with the account, and the kept rows are what still makes the items theirs."""
    s = session()
    now = utcnow()
    for kept, link, column in (
        (KeptEvent, EventLink, "event_id"),
        (KeptEmail, EmailLink, "email_id"),
    ):
        item = getattr(link, column)
        already = select(kept.id).where(
            kept.user_id == account.user_id, getattr(kept, column) == item
        )
        held = select(literal(account.user_id), item, literal(now)).where(
            link.linked_account_id == account.id, ~exists(already)
        )
        s.execute(insert(kept).from_select(["user_id", column, "kept_at"], held))


def _remove_own_items(account_id: int) -> None:
    """Delete the meetings and emails no other linked account brought and no other user kept.
    Appointments booked in the CRM stay: the mailbox did not bring them, it only held a copy."""
    s = session()
    user_id = select(LinkedAccount.user_id).where(LinkedAccount.id == account_id).scalar_subquery()
    others = select(EventLink.event_id).where(EventLink.linked_account_id != account_id)
    kept = select(KeptEvent.event_id).where(KeptEvent.user_id != user_id)
    for event in s.scalars(
        select(CalendarEvent)
        .join(EventLink)
        .where(
            EventLink.linked_account_id == account_id,
            CalendarEvent.origin != "crm",
            CalendarEvent.id.not_in(others),
            CalendarEvent.id.not_in(kept),
        )
    ):
        s.delete(event)
    other_mail = select(EmailLink.email_id).where(EmailLink.linked_account_id != account_id)
    kept_mail = select(KeptEmail.email_id).where(KeptEmail.user_id != user_id)
    for mail in s.scalars(
        select(Email)
        .join(EmailLink)
        .where(
            EmailLink.linked_account_id == account_id,
            Email.id.not_in(other_mail),
            Email.id.not_in(kept_mail),
        )
    ):
        s.delete(mail)
    s.flush()

"""What the link flow and the profile pages call to link, unlink, pause and resume accounts.

Views change rows through these functions; the one provider call (revoking the grant on
unlink) goes through the adapter, never from a view.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from ..models import (
    CalendarEvent,
    Email,
    EmailLink,
    EventLink,
    LinkedAccount,
    SyncCursor,
    SyncProblem,
    SyncRun,
    normalize_email,
)
from ..state import session
from .errors import AccountLinkedElsewhere, SyncError
from .providers import get_provider
from .triggers import request_sync

log = logging.getLogger(__name__)


def link_account(user, provider: str, external_email: str, credentials: dict) -> LinkedAccount:
    """Link (or re-link) an external account to `user` and start its first sync at once.

    :raises AccountLinkedElsewhere: another CRM user already linked this external account.
    """
    s = session()
    email = normalize_email(external_email)
    account = s.scalar(
        select(LinkedAccount).where(
            LinkedAccount.provider == provider,
            func.lower(LinkedAccount.external_email) == email,
        )
    )
    if account is not None and account.user_id != user.id:
        raise AccountLinkedElsewhere(
            f"{external_email} is already linked by another CRM user; they must unlink it first."
        )
    if account is None:
        account = LinkedAccount(user_id=user.id, provider=provider, external_email=email)
        s.add(account)
    account.credentials = credentials
    account.status = "active"
    account.last_error = None
    account.failure_count = 0
    s.commit()
    request_sync(account.id)
    return account


def unlink_account(account: LinkedAccount, keep_items: bool) -> None:
    """Revoke the grant, stop syncing, and keep or remove what only this account brought."""
    s = session()
    try:
        provider = get_provider(account)
        try:
            provider.revoke()
        finally:
            provider.close()
    except (SyncError, KeyError) as exc:
        log.info("unlink %s: revoke skipped (%s)", account.id, exc)
    if not keep_items:
        _remove_own_items(account.id)
    s.execute(delete(EventLink).where(EventLink.linked_account_id == account.id))
    s.execute(delete(EmailLink).where(EmailLink.linked_account_id == account.id))
    s.execute(delete(SyncProblem).where(SyncProblem.linked_account_id == account.id))
    s.execute(delete(SyncRun).where(SyncRun.linked_account_id == account.id))
    s.execute(delete(SyncCursor).where(SyncCursor.linked_account_id == account.id))
    s.delete(account)
    s.commit()


def _remove_own_items(account_id: int) -> None:
    s = session()
    others = select(EventLink.event_id).where(EventLink.linked_account_id != account_id)
    for event in s.scalars(
        select(CalendarEvent)
        .join(EventLink)
        .where(EventLink.linked_account_id == account_id, CalendarEvent.id.not_in(others))
    ):
        s.delete(event)
    other_mail = select(EmailLink.email_id).where(EmailLink.linked_account_id != account_id)
    for mail in s.scalars(
        select(Email)
        .join(EmailLink)
        .where(EmailLink.linked_account_id == account_id, Email.id.not_in(other_mail))
    ):
        s.delete(mail)
    s.flush()


def pause(account: LinkedAccount) -> None:
    """Stop scheduling the account; its items and cursors stay."""
    account.status = "paused"
    account.next_sync_at = None
    session().commit()


def resume(account: LinkedAccount) -> None:
    """Schedule the account again, continuing from its cursors, and sync now."""
    account.status = "active"
    account.failure_count = 0
    session().commit()
    request_sync(account.id)

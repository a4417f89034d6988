"""What the link flow and the profile pages call to link, unlink, pause and resume accounts.

Views change rows through these functions and never call a provider: unlinking only marks
the account; the engine revokes the grant and removes it (plugin.sync.engine.unlink).
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, func, select

from ..models import (
    EmailLink,
    EventLink,
    LinkedAccount,
    SyncCursor,
    SyncProblem,
    normalize_email,
)
from ..models.linked import TRANSITIONS, UNLINKING
from ..state import session
from . import grants
from .errors import AccountLinkedElsewhere, StateRefused
from .triggers import request_sync

log = logging.getLogger(__name__)


def link_account(
    user,
    provider: str,
    external_email: str,
    credentials: dict,
    calendar_granted: bool = True,
    mail_granted: bool = True,
    granted_scopes: list[str] | None = None,
) -> LinkedAccount:
    """Link (or re-link) an external account to `user` and start its first sync at once.

    `granted_scopes` (else the token's own "scope") is kept on the account: it decides which
    feeds may run (plugin.sync.grants). A feed the user did not grant is switched off in the
    same commit, so the first sync never asks for a scope it does not hold.

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
    if account is not None and account.status in UNLINKING and account.user_id != user.id:
        # Its old user is unlinking it: hand the row over clean. The grant is not revoked
        # (it is the same Google grant the new user just gave), the old user's link rows go.
        _handover(account, keep_items=account.status == "unlinking")
        account.user_id = user.id
        account.initial_sync_done = False
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
    if granted_scopes is None and (credentials or {}).get("scope"):
        granted_scopes = str(credentials["scope"]).split()
    if granted_scopes is not None:
        account.granted_scopes = sorted(set(granted_scopes))
        feeds = grants.granted_feeds(provider, granted_scopes)
        calendar_granted = calendar_granted and "calendar" in feeds
        mail_granted = mail_granted and "mail" in feeds
    else:
        account.granted_scopes = None
    if not calendar_granted:
        account.sync_calendar = False
    if not mail_granted:
        account.sync_email = False
    s.commit()
    request_sync(account.id, "link")
    return account


def unlink_account(account: LinkedAccount, keep_items: bool) -> None:
    """Ask the engine to unlink: stop syncing now, revoke the grant and remove the account at
    its next dispatch (keeping or removing what only this account brought).

    Only rows change here; a worker syncing the account keeps its lease and finishes first.
    Linking the same external account again before then takes the row back.
    """
    account.status = "unlinking" if keep_items else "unlinking_drop"
    account.failure_count = 0
    account.last_error = None
    session().commit()
    request_sync(account.id, None)


def _handover(account: LinkedAccount, keep_items: bool) -> None:
    """The local half of an unlink, for a row a new user takes over (no provider call)."""
    from .engine.unlink import _remove_own_items, detach_runs
    from .engine.unlink import keep_items as keep

    s = session()
    if keep_items:
        keep(account)
    else:
        _remove_own_items(account.id)
    for model in (EventLink, EmailLink, SyncProblem, SyncCursor):
        s.execute(delete(model).where(model.linked_account_id == account.id))
    detach_runs(account.id)  # the old user's runs stay in admin, no longer this account's
    s.expire(account, ["cursors"])


# Why an action is refused, by (action, status), else by status.
_REFUSALS = {
    ("pause", "paused"): "already paused",
    ("resume", "active"): "already active",
    ("sync_now", "paused"): "paused; it cannot sync until that is resolved (resume it first)",
    "needs_relink": "Needs re-link by its user first (the grant was revoked)",
    "unlinking": "Already being unlinked",
    "unlinking_drop": "Already being unlinked",
}


def allowed(account: LinkedAccount, action: str) -> bool:
    return account.status in TRANSITIONS[action]


def check(account: LinkedAccount, action: str) -> None:
    """Raise StateRefused unless `action` may run on the account in its status: the one
    check every profile and admin action makes before it changes anything."""
    if not allowed(account, action):
        reason = _REFUSALS.get((action, account.status)) or _REFUSALS.get(
            account.status, f"{account.status_label.lower()}; that is not possible now"
        )
        raise StateRefused(account.external_email, action, account.status, reason)


def sync_now(account: LinkedAccount, trigger: str = "sync-now (profile)") -> None:
    """Sync as soon as a worker is free; an account in error is active again for it.
    `trigger` says who asked (profile or admin), for the run history."""
    check(account, "sync_now")
    account.status = TRANSITIONS["sync_now"][account.status]
    session().commit()
    request_sync(account.id, trigger)


def pause(account: LinkedAccount) -> None:
    """Stop scheduling the account; its items and cursors stay. (Only from the statuses
    TRANSITIONS allows; anything else is left as it is.)"""
    if not allowed(account, "pause"):
        return
    account.status = TRANSITIONS["pause"][account.status]
    account.next_sync_at = None
    session().commit()


def resume(account: LinkedAccount) -> None:
    """Schedule the account again, continuing from its cursors, and sync now. (Not one that
    needs re-link, nor one being unlinked: linking it again is how to take either back.)"""
    if not allowed(account, "resume"):
        return
    account.status = TRANSITIONS["resume"][account.status]
    account.failure_count = 0
    session().commit()
    request_sync(account.id, "resume")

"""Ask for a sync now: linking, resume and the "Sync now" button call this, never a provider."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from ..models import LinkedAccount, utcnow
from ..state import session


def request_sync(linked_account_id: int, trigger: str | None) -> None:
    """Make the account due now and wake the in-process scheduler, if this process has one.

    `trigger` is what the run that serves the request records (models.linked.TRIGGERS);
    None leaves what was asked before (an unlink job records no run). Commits, so a worker
    in another process sees the request at its next dispatch.
    """
    values = {"next_sync_at": utcnow()}
    if trigger is not None:
        values["pending_trigger"] = trigger
    s = session()
    s.execute(update(LinkedAccount).where(LinkedAccount.id == linked_account_id).values(**values))
    s.commit()
    from .scheduler import wake

    wake(current_app._get_current_object())

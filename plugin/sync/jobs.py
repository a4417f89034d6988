"""The two jobs the dispatcher hands out for a claimed account: sync it, or finish its unlink.

An account the user asked to unlink (status "unlinking"/"unlinking_drop") is never synced:
its job revokes the grant, removes what only it brought unless the items are kept, and
deletes it (plugin.sync.engine.unlink). A sync run only syncs; when the unlink was asked for
while the run went on, the unlink job follows at once, under the same lease. Either job runs
only while its worker holds the account's lease, taken or renewed here first.
"""

from __future__ import annotations

from typing import NamedTuple

from ..models import LinkedAccount, SyncRun
from ..models.linked import UNLINKING
from ..state import session
from .engine.runner import sync_account
from .engine.unlink import finish_unlink
from .lease import held


class JobResult(NamedTuple):
    """What a job did: the sync run it recorded (None for an unlink job), and whether the
    account is gone (unlinked)."""

    run: SyncRun | None
    unlinked: bool


def _unlinking(account_id: int) -> bool:
    account = session().get(LinkedAccount, account_id)
    return account is not None and account.status in UNLINKING


def run_job(account_id: int, worker: str, trigger: str | None = None) -> JobResult:
    """The job a claimed account is due for: finish its unlink, or sync it (then finish an
    unlink asked for meanwhile), holding its lease throughout.

    :raises LeaseHeld: another worker holds the account's lease; nothing was done.
    """
    with held(account_id, worker):
        if _unlinking(account_id):
            return JobResult(None, finish_unlink(account_id, worker))
        kwargs = {"trigger": trigger} if trigger is not None else {}
        run = sync_account(account_id, worker=worker, **kwargs)
        session().expire_all()
        if _unlinking(account_id):
            return JobResult(run, finish_unlink(account_id, worker))
        return JobResult(run, False)

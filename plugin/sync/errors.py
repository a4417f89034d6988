"""Every remote failure the engine acts on, one class each, named for what to do about it.

Adapters translate their provider's status codes and error bodies into these, so the engine
never looks at HTTP. Compare exchangelib's errors module: the class is the instruction.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of the sync errors; an unclassified provider refusal fails the run."""


class SyncTokenInvalid(SyncError):
    """The incremental cursor expired (Google 410 / Gmail 404 / Graph syncStateNotFound).

    The engine drops the cursor and runs a bounded full resync of that feed.
    """


class WindowMoved(SyncTokenInvalid):
    """The cursor still works but covers a window the sync has moved past (Graph freezes
    calendarView delta's window into its token): the engine runs a bounded full round in
    the current window, as for an expired cursor."""


class Throttled(SyncError):
    """The provider asked us to slow down; stop the run and come back after `retry_after`."""

    def __init__(self, message: str = "throttled", retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class AuthRevoked(SyncError):
    """The grant is gone (invalid_grant, revoked, scopes withdrawn): the user must re-link.

    No retry until then; the dispatcher skips accounts in needs_relink.
    """


class ScopeMissing(AuthRevoked):
    """The grant lacks the scope one feed needs (Google 403 insufficientPermissions /
    ACCESS_TOKEN_SCOPE_INSUFFICIENT): only that feed stops, marked as needing permission
    (plugin.sync.grants); the other feeds of the account go on. Anywhere a feed is not known,
    it is what its base class says."""


class ItemRejected(SyncError):
    """One item could not be read or stored; record a SyncProblem for it and go on."""

    def __init__(self, message: str, external_id: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.external_id = external_id
        self.detail = detail


class TransientError(SyncError):
    """5xx or a timeout that outlived the in-run retries; the next run tries again later."""


class StateRefused(Exception):
    """An action the account's status does not allow (models.linked.TRANSITIONS); nothing
    changed. `reason` says why, in words for the flash message."""

    def __init__(self, email: str, action: str, status: str, reason: str):
        super().__init__(f"{email}: {reason}.")
        self.email = email
        self.action = action
        self.status = status
        self.reason = reason


class AccountLinkedElsewhere(Exception):
    """The external account is already linked by another CRM user."""


class EditConflict(SyncError):
    """A write's precondition failed (Google 412, Graph 412, EWS ErrorIrresolvableConflict):
    the item changed at the provider since we last saw it. Refetch it and judge who wins."""


class ItemGone(SyncError):
    """A write found the item deleted at the provider (404/410)."""


class LeaseLost(SyncError):
    """Another worker holds this account's lease now (ours expired mid-run): stop at once,
    write nothing more to the account, and leave it to the lease's owner."""


class LeaseHeld(SyncError):
    """Another worker holds this account's lease now: do not start; it is theirs to sync."""

    def __init__(self, account_id: int, holder: str, until=None):
        until_text = f" until {until:%H:%M:%S} UTC" if until is not None else ""
        super().__init__(
            f"Linked account {account_id} is being synced by {holder}{until_text}; "
            "try again when it is done."
        )
        self.account_id = account_id
        self.holder = holder
        self.until = until

"""What one run of one account carries through the feeds: session, provider, run record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...models import LinkedAccount, SyncProblem, SyncRun, normalize_email
from .. import lease
from ..errors import LeaseLost
from ..providers.base import Provider, Window


@dataclass
class SyncContext:
    session: object
    account: LinkedAccount
    provider: Provider
    run: SyncRun
    past_days: int
    future_days: int
    lease_seconds: int = 300
    owner_emails: tuple[str, ...] = field(default_factory=tuple)
    matcher_factory: object = None
    # The lease holder running this sync, and until when it last renewed the lease (None:
    # no lease, for tests that build a context by hand).
    worker: str | None = None
    lease_until: datetime | None = None
    # When the full listing now paging through began (None while incremental): an item the
    # listing has already seen since then needs no second look (a resumed page).
    listing_since: datetime | None = None
    # Pages the current stage (a feed, then the push) committed that moved it forward: a
    # failure after some is a run that made progress (engine.backoff).
    progress: int = 0

    def window(self, started: datetime) -> Window:
        """The full-sync span, anchored at the sync's start so a resumed listing repeats
        exactly the query its page token belongs to."""
        anchor = started.replace(microsecond=0)
        return Window(
            anchor - timedelta(days=self.past_days), anchor + timedelta(days=self.future_days)
        )

    def matcher(self):
        if self.matcher_factory is not None:
            return self.matcher_factory()
        from ..matching import Matcher

        return Matcher()

    def problem(self, kind: str, external_id: str | None, message: str, detail=None) -> None:
        self.session.add(
            SyncProblem(
                linked_account_id=self.account.id,
                run_id=self.run.id,
                item_kind=kind,
                external_id=external_id,
                message=message[:2000],
                detail=detail,
            )
        )
        self.run.problems += 1

    def checkpoint(self) -> None:
        """Commit the page with its cursor, the run's counts and a renewed lease.

        The lease is renewed only while this worker still holds it, unexpired; when it ran
        out (another worker may have taken it), the page is rolled back and the run stops.

        :raises LeaseLost: the lease is no longer ours.
        """
        self.run.api_calls = self.provider.api_calls
        if self.worker is not None:
            until = lease.renew(self.account.id, self.worker, self.lease_seconds)
            if until is None:
                self.session.rollback()
                raise LeaseLost(f"Linked account {self.account.id}: lease lost by {self.worker}")
            self.lease_until = until
        self.session.commit()


def owner_emails(account: LinkedAccount) -> tuple[str, ...]:
    emails = {normalize_email(account.external_email)}
    if account.user is not None:
        emails.update(normalize_email(e.email) for e in account.user.emails)
    return tuple(sorted(e for e in emails if e))

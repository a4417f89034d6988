"""What one run of one account carries through the feeds: session, provider, run record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from ...models import LinkedAccount, SyncProblem, SyncRun, normalize_email, utcnow
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
    # The lease holder running this sync; None when called directly (tests, CLI), no lease.
    worker: str | None = None
    # When the full listing now paging through began (None while incremental): an item the
    # listing has already seen since then needs no second look (a resumed page).
    listing_since: datetime | None = None

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

        The lease is renewed only while this worker still owns it; when another worker took
        it (ours expired), the page is rolled back and the run stops.

        :raises LeaseLost: the lease now belongs to someone else.
        """
        self.run.api_calls = self.provider.api_calls
        if self.worker is not None:
            renewed = self.session.execute(
                update(LinkedAccount)
                .where(
                    LinkedAccount.id == self.account.id, LinkedAccount.lease_owner == self.worker
                )
                .values(lease_expires_at=utcnow() + timedelta(seconds=self.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            if renewed.rowcount != 1:
                self.session.rollback()
                raise LeaseLost(f"Linked account {self.account.id}: lease lost by {self.worker}")
        self.session.commit()


def owner_emails(account: LinkedAccount) -> tuple[str, ...]:
    emails = {normalize_email(account.external_email)}
    if account.user is not None:
        emails.update(normalize_email(e.email) for e in account.user.emails)
    return tuple(sorted(e for e in emails if e))

"""The provider driver the behaviour suite talks to: what a user does in a provider's own UI
(and what the provider does to us), without saying which provider it is.

One driver per provider stand-in. A test asks the driver to seed, change or break the
provider, runs the engine, and asserts on the CRM and on what the driver reads back. Where
providers differ in *how* they prove a behaviour (which call adopts an orphaned copy, whether
an all-day event carries a zone), the driver says it, with why; the test never branches on
the provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from plugin.models import LinkedAccount


def at(days: float = 1, hour: int = 10) -> datetime:
    """A UTC instant `days` from today at `hour`:00 (the stand-ins' clocks are real time,
    frozen per test)."""
    base = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


@dataclass(frozen=True)
class Remote:
    """An event as the provider holds it now."""

    id: str
    title: str
    location: str | None = None
    etag: str | None = None  # the provider's version of it (Google etag, EWS ChangeKey)


class Driver(ABC):
    key: str  # LinkedAccount.provider
    # The config key bounding one page of the inbound calendar listing.
    page_size_key: str
    # The provider-side operations a retried create must make to adopt the copy a crash left
    # behind, instead of creating a second one: {operation: calls} (0 = never).
    adoption_calls: dict[str, int]
    # Whether an all-day event carries the zone it was made in (Google's are bare dates).
    all_day_has_zone: bool

    def __init__(self, server, db):
        self.server, self.db = server, db

    # ----- accounts ------------------------------------------------------------------------
    @abstractmethod
    def link(self, email: str, time_zone: str = "UTC", **fields) -> LinkedAccount:
        """A CRM user with that mailbox linked, as the link flow leaves it."""

    @abstractmethod
    def reset(self, account: LinkedAccount) -> None:
        """Empty the provider, keeping `account` linked and usable (for property rounds)."""

    # ----- what the user does in the provider's UI -----------------------------------------
    @abstractmethod
    def event(
        self,
        email: str,
        title: str,
        days: float = 1,
        hours: float = 1,
        attendees=(),
        tz: str = "UTC",
        start: datetime | None = None,
    ) -> str:
        """A single timed event `days` from now at 10:00 UTC (or at `start`), made by a user
        in zone `tz`; its id."""

    @abstractmethod
    def weekly(self, email: str, title: str, count: int = 4, tz: str | None = None) -> str:
        """A weekly series of `count` one-hour occurrences, set in zone `tz` (None: the
        driver's own default); the series' id."""

    @abstractmethod
    def all_day(self, email: str, title: str, on: date, tz: str) -> str:
        """An all-day event on `on`, made by a user in zone `tz`."""

    @abstractmethod
    def move_occurrence(
        self, email: str, series: str, n: int, start: datetime, title: str | None = None
    ) -> None:
        """Move the n-th (1-based) occurrence to `start` (same length), maybe renaming it."""

    @abstractmethod
    def cancel_occurrence(self, email: str, series: str, n: int) -> None: ...

    @abstractmethod
    def rename(self, email: str, item: str, title: str) -> None: ...

    @abstractmethod
    def delete(self, email: str, item: str) -> None:
        """Delete a single event or a whole series."""

    @abstractmethod
    def live_events(self, email: str) -> list[Remote]:
        """What the user's calendar holds now (single events and series), by id."""

    @abstractmethod
    def location(self, email: str, item: str) -> str | None:
        """The location the provider holds for an event."""

    # ----- mail ------------------------------------------------------------------------------
    # Mail listings one incremental run makes (Gmail: one history.list; EWS: one
    # SyncFolderItems each for Inbox and Sent Items).
    mail_listings_per_run: int

    @abstractmethod
    def message(self, email: str, sender: str, subject: str, body: str = "x") -> str:
        """A mail from `sender` arrives in the user's inbox; its id in the user's mailbox."""

    @abstractmethod
    def delete_message(self, email: str, item: str) -> None:
        """The user deletes it for good."""

    @abstractmethod
    def trash_message(self, email: str, item: str) -> None:
        """The user moves it to the bin (Gmail Trash, Outlook Deleted Items)."""

    @abstractmethod
    def mail_list_calls(self, email: str) -> int:
        """Mail listing calls made (history.list; SyncFolderItems on the mail folders)."""

    @abstractmethod
    def download_calls(self, email: str) -> int:
        """Calls that download message bodies (messages.get; GetItem batches)."""

    # ----- what the provider does to us -----------------------------------------------------
    @abstractmethod
    def expire_cursor(self, email: str) -> None:
        """Every sync cursor of the mailbox so far, calendar and mail, is refused (Google
        410 and Gmail history 404, EWS ErrorInvalidSyncStateData)."""

    @abstractmethod
    def throttle_after_pages(self, email: str, pages: int) -> None:
        """Let the first `pages` inbound calendar pages through, then refuse for a minute
        with a back-off of about 60 s (Google rate limit, EWS ErrorServerBusy)."""

    @abstractmethod
    def unthrottle(self) -> None: ...

    @abstractmethod
    def revoke(self, account: LinkedAccount) -> None:
        """The grant no longer works (Google token revoked, Exchange password changed)."""

    @abstractmethod
    def set_latency(self, seconds: float) -> None: ...

    def full_pages(self) -> None:
        """Every page holds a full page size, for tests that count pages (a stand-in that
        cuts pages short at random, as Google may, stops doing so)."""
        return None  # Exchange and Microsoft stand-ins always fill their pages

    def advance(self, seconds: float) -> None:
        self.server.clock.advance(seconds)

    def now(self) -> datetime:
        return self.server.clock.now()

    # ----- call counts ----------------------------------------------------------------------
    def reset_calls(self) -> None:
        self.server.reset_calls()

    def calls(self, email: str) -> dict[str, int]:
        return dict(self.server.calls(email))

    @abstractmethod
    def list_calls(self, email: str) -> int:
        """Inbound calendar listing pages asked for (events.list, SyncFolderItems)."""

    @abstractmethod
    def writes(self, email: str) -> int:
        """Calls that change the user's calendar (inserts, updates, deletes)."""

    # ----- worker processes -----------------------------------------------------------------
    @abstractmethod
    def worker_config(self, app) -> dict:
        """Config keys a worker process needs to reach this provider."""

"""The one interface every provider adapter implements, and the value objects it speaks.

Adapters never touch ORM models: they take a cursor/page token and a window, and answer a
ChangeSet of frozen value objects. The shape fits every backend we plan for:

* Google Calendar: page token = pageToken, cursor = nextSyncToken (410 -> SyncTokenInvalid).
* Gmail: page token = pageToken (+ the historyId captured at the start), cursor = historyId.
* Microsoft Graph: page token = @odata.nextLink, cursor = @odata.deltaLink (each kept with
  the window the round froze into it, microsoft/calendar.py).
* EWS SyncFolderItems: page token = the intermediate SyncState while IncludesLastItemInRange
  is false, cursor = the final SyncState.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from ..errors import SyncError
from . import tagging

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """The span a full sync covers (naive UTC bounds)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Person:
    email: str
    name: str | None = None
    response_status: str | None = None


@dataclass(frozen=True)
class RemoteEvent:
    """One calendar item as the provider holds it; for a recurring meeting, one occurrence."""

    external_id: str
    calendar_id: str
    cancelled: bool = False
    ical_uid: str | None = None
    etag: str | None = None
    updated: datetime | None = None
    status: str = "confirmed"
    title: str = ""
    description: str | None = None
    location: str | None = None
    # aware datetimes, or dates (end exclusive) when all_day
    start: datetime | date | None = None
    end: datetime | date | None = None
    all_day: bool = False
    timezone: str | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    # the series this occurrence belongs to (provider id) and its original start
    recurring_event_id: str | None = None
    original_start: datetime | date | None = None
    # the CRM event id when the CRM pushed this event (never imported back as new)
    crm_id: str | None = None
    # what the adapter had to change to read it (recorded as a problem on the item)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteMessage:
    external_id: str
    thread_id: str | None
    message_id: str
    subject: str = ""
    sender: Person | None = None
    to: tuple[Person, ...] = ()
    cc: tuple[Person, ...] = ()
    date: datetime | None = None  # the Date header, aware
    internal_date: datetime | None = None  # when the provider received it, aware
    body_text: str | None = None
    body_html: str | None = None
    snippet: str | None = None
    labels: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # what the adapter had to change to read it (recorded as a problem on the item)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejected:
    """An item the adapter could not read; the engine records it as a SyncProblem."""

    external_id: str | None
    message: str
    detail: str | None = None


@dataclass(frozen=True)
class ChangeSet(Generic[T]):
    """One page of changes. Exactly one of next_page_token / next_cursor is set, except on a
    page that `stopped` early.

    `deleted_ids` are provider ids of items that are gone; a deleted id may name a whole
    series, which the engine matches against each link's series id as well.
    `unchanged_ids` are listed items the engine said it holds already (see `known`), left
    unfetched: still there, so a full sync must not treat them as unseen.
    `stopped` is set when the provider had to stop part-way through the page (Throttled, or
    a TransientError: one item's download kept failing): the engine keeps what came (items,
    deletions), saves `next_page_token` (None: the listing's start) with the cursor
    unchanged, and then raises it, so the next run continues from there.
    """

    items: tuple[T, ...] = ()
    deleted_ids: tuple[str, ...] = ()
    next_page_token: str | None = None
    next_cursor: str | None = None
    rejected: tuple[Rejected, ...] = field(default_factory=tuple)
    unchanged_ids: tuple[str, ...] = ()
    stopped: SyncError | None = None


# Which of these listed ids the CRM holds already (and so need not be downloaded again).
Known = Callable[[Sequence[str]], Collection[str]]
# For these series (provider ids), the ids of the occurrences the CRM holds that overlap the
# window: an adapter whose provider reports a changed series but not which occurrences went
# (EWS sync answers masters only) diffs them against the series' occurrences now.
KnownOccurrences = Callable[[Sequence[str], "Window"], Mapping[str, Collection[str]]]


class Provider(ABC):
    """A linked account's calendar and mailbox as seen from the engine.

    Every method may raise :class:`~plugin.sync.errors.Throttled`,
    :class:`~plugin.sync.errors.AuthRevoked` or :class:`~plugin.sync.errors.TransientError`.
    """

    #: key in CalendarEvent.origin / Email.source, and the matching "source" label
    name: str = ""
    calendar_source: str = ""
    mail_source: str = ""

    def __init__(self) -> None:
        self.api_calls = 0

    @abstractmethod
    def list_events(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: KnownOccurrences | None = None,
    ) -> ChangeSet[RemoteEvent]:
        """One page of calendar changes: a full listing of `window` when `cursor` is None,
        else the changes since `cursor`. Recurring meetings come as occurrences.

        `known` answers which occurrences of a series the CRM holds. It is there for EWS,
        whose sync reports a changed series master but not its occurrences: the adapter
        expands the master and lists the held occurrences it no longer finds in
        `deleted_ids`. A provider that reports each changed occurrence itself (Google
        answers cancelled instances) need not call it.

        :raises SyncTokenInvalid: the cursor expired; call again with cursor=None.
        :raises Throttled: stop; continue later from the same page token.
        :raises AuthRevoked: the user must re-link.
        :raises TransientError: retries within the call ran out.
        """

    @abstractmethod
    def list_messages(
        self,
        cursor: str | None,
        page_token: str | None,
        window: Window,
        known: Known | None = None,
    ) -> ChangeSet[RemoteMessage]:
        """One page of mailbox changes, full within `window` or since `cursor`.

        Messages do not change once sent, so an adapter that downloads each listed message
        separately asks `known` first and lists those in `unchanged_ids` instead; when the
        provider throttles part-way, it answers what it has with `stopped` set.

        :raises SyncTokenInvalid: the cursor expired; call again with cursor=None.
        :raises Throttled, AuthRevoked, TransientError: as list_events.
        """

    @abstractmethod
    def revoke(self) -> None:
        """Revoke the grant at the provider (unlink). Best effort: an already dead grant is
        not an error.

        :raises TransientError: the provider could not be reached.
        """

    def close(self) -> None:
        """Release connections (adapters holding none need not override this)."""
        return None


@dataclass(frozen=True)
class EventDraft:
    """What the CRM wants a calendar item to say when it pushes one (naive UTC times, or
    dates with an exclusive end when all_day). `crm_id` tags the item so it is never imported
    back as a new meeting."""

    crm_id: str
    title: str
    start: datetime | date
    end: datetime | date
    all_day: bool = False
    description: str | None = None
    location: str | None = None
    timezone: str | None = None
    attendees: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Pushed:
    """A provider's answer to an insert: the item as stored, and whether it was already
    there (a retry after a crash adopted it instead of creating a second one)."""

    remote: RemoteEvent
    adopted: bool = False


class CalendarWriter(ABC):
    """Writes to a calendar, for adapters that push CRM appointments (two-way sync).

    An adapter implements this beside :class:`Provider`; the engine pushes only to adapters
    that do. Every method may also raise Throttled, AuthRevoked or TransientError.
    """

    @abstractmethod
    def event_id_for(self, key: str) -> str:
        """The client-chosen provider id for the CRM meeting keyed `key` (stable: a retry
        asks for the same id, so the provider refuses a second copy)."""

    @abstractmethod
    def insert_event(self, event_id: str, draft: EventDraft, notify: bool) -> Pushed:
        """Create the item under `event_id`; if it exists already (an earlier try got
        through), answer it with adopted=True. `notify` sends invitations to the attendees.

        :raises ItemRejected: the provider refused the content; retrying will not help.
        """

    @abstractmethod
    def patch_event(
        self, external_id: str, draft: EventDraft, etag: str | None, notify: bool
    ) -> RemoteEvent:
        """Overwrite the item's fields with the draft, only if it still has `etag`.

        :raises EditConflict: the item changed at the provider since `etag`.
        :raises ItemGone: the item was deleted at the provider.
        :raises ItemRejected: the provider refused the content.
        """

    @abstractmethod
    def delete_event(self, external_id: str, etag: str | None, notify: bool) -> None:
        """Delete the item (already gone is success), only if it still has `etag`.

        :raises EditConflict: the item changed at the provider since `etag`.
        """

    @abstractmethod
    def get_event(self, external_id: str) -> RemoteEvent | None:
        """The item as the provider holds it now (cancelled=True once deleted), or None."""

    # Series. The CRM holds a recurring meeting as its occurrences; patching each of them
    # would turn every one into an exception, so "All events in the series" is one write to
    # the series master, which keeps its recurrence and its own time zone.
    @abstractmethod
    def patch_series(
        self, series_id: str, occurrence_id: str, draft: EventDraft, notify: bool
    ) -> None:
        """Give the series `series_id` the draft's fields, moving every occurrence by as
        much as the draft moves `occurrence_id` (wall-clock, in the series' own zone) and
        giving each the draft's length.

        :raises ItemGone: the series was deleted at the provider.
        :raises ItemRejected: the provider refused the content.
        """

    @abstractmethod
    def delete_series(self, series_id: str, notify: bool) -> None:
        """Delete the whole series (already gone is success)."""


class WriterDelegate(CalendarWriter):
    """A CalendarWriter whose writes live in a writer object of the adapter's own
    (``self.writer`` with insert, patch, delete and get), so an adapter states only how it
    builds that writer, and the ids come from the one tagging rule (providers.tagging)."""

    writer: object

    def event_id_for(self, key: str) -> str:
        return tagging.event_id_for(key)

    def insert_event(self, event_id: str, draft: EventDraft, notify: bool) -> Pushed:
        return self.writer.insert(event_id, draft, notify)

    def patch_event(
        self, external_id: str, draft: EventDraft, etag: str | None, notify: bool
    ) -> RemoteEvent:
        return self.writer.patch(external_id, draft, etag, notify)

    def delete_event(self, external_id: str, etag: str | None, notify: bool) -> None:
        self.writer.delete(external_id, etag, notify)

    def get_event(self, external_id: str) -> RemoteEvent | None:
        return self.writer.get(external_id)

    def patch_series(
        self, series_id: str, occurrence_id: str, draft: EventDraft, notify: bool
    ) -> None:
        self.writer.patch_series(series_id, occurrence_id, draft, notify)

    def delete_series(self, series_id: str, notify: bool) -> None:
        self.writer.delete_series(series_id, notify)

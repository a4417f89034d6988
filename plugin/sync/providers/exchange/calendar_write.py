"""EWS writes for two-way sync: CreateItem tagged with the CRM id (adopting a copy an earlier
try made, found by a restricted FindItem, as EWS has no client-chosen ids), UpdateItem with
the last ChangeKey and NeverOverwrite, DeleteItem; an occurrence's id touches only it.

https://learn.microsoft.com/exchange/client-developer/web-service-reference/updateitem
(ConflictResolution; ErrorIrresolvableConflict when the ChangeKey is stale).
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta

from exchangelib import (
    Attendee,
    Body,
    CalendarItem,
    EWSDate,
    EWSDateTime,
    EWSTimeZone,
    Mailbox,
)
from exchangelib import errors as ews
from exchangelib.items import (
    NEVER_OVERWRITE,
    SEND_TO_ALL_AND_SAVE_COPY,
    SEND_TO_NONE,
)

from ...errors import EditConflict, ItemGone, ItemRejected
from ..base import EventDraft, Pushed, RemoteEvent
from ..series import moved_draft
from .calendar import parse_item
from .client import EwsClient
from .fields import CRM_FIELD, EVENT_FIELDS

GONE = (
    ews.ErrorItemNotFound,
    ews.ErrorInvalidIdMalformed,
    ews.ErrorCalendarOccurrenceIsDeletedFromRecurrence,
)
# ParentFolderId too: Outlook deletes to Deleted Items, where GetItem still finds the item
# by its id (and UpdateItem would still change it); outside the calendar it is gone.
READ = EVENT_FIELDS + ("original_start", "parent_folder_id")
WRITTEN = ("subject", "body", "location", "start", "end", "is_all_day", "required_attendees")


class ExchangeCalendarWriter:
    """The CalendarWriter half of the Exchange adapter."""

    def __init__(self, client: EwsClient):
        self.client = client

    @property
    def _calendar(self):
        return self.client.folder("calendar")

    def insert(self, event_id: str, draft: EventDraft, notify: bool) -> Pushed:
        """`event_id` is the engine's placeholder: the copy gets Exchange's id. An earlier
        try that got through is found by its CRM id and adopted."""
        calendar = self._calendar
        found = self._by_crm_id(calendar, draft.crm_id)
        if found is not None:
            return Pushed(found, adopted=True)
        item = CalendarItem(account=self.client.account, folder=calendar, **_fields(draft))
        setattr(item, CRM_FIELD, draft.crm_id)
        send = SEND_TO_ALL_AND_SAVE_COPY if notify and draft.attendees else SEND_TO_NONE
        self._write(lambda: item.save(send_meeting_invitations=send), item.id)
        remote = self.get(item.id)
        if remote is None:
            raise ItemGone("The new item was deleted in Exchange before it could be read")
        return Pushed(remote)

    def _by_crm_id(self, calendar, crm_id: str) -> RemoteEvent | None:
        """A restricted FindItem (ids only), then the copy it found, if any."""
        rows = self.client.call(
            lambda: list(calendar.filter(**{CRM_FIELD: crm_id}).only("subject")[:1])
        )
        return self.get(rows[0].id) if rows else None

    def patch(
        self, external_id: str, draft: EventDraft, etag: str | None, notify: bool
    ) -> RemoteEvent:
        if etag is None:
            current = self.get(external_id)
            if current is None:
                raise ItemGone(f"{external_id} was deleted in Exchange")
            etag = current.etag
        item = CalendarItem(
            account=self.client.account,
            folder=self._calendar,
            id=external_id,
            changekey=etag,
            **_fields(draft),
        )
        send = SEND_TO_ALL_AND_SAVE_COPY if notify and draft.attendees else SEND_TO_NONE
        self._write(
            lambda: item.save(
                update_fields=list(WRITTEN),
                conflict_resolution=NEVER_OVERWRITE,
                send_meeting_invitations=send,
            ),
            external_id,
        )
        remote = self.get(external_id)
        if remote is None:
            raise ItemGone(f"{external_id} was deleted in Exchange")
        return remote

    def delete(self, external_id: str, etag: str | None, notify: bool) -> None:
        current = self.get(external_id)
        if current is None or current.cancelled:
            return  # gone either way
        if etag is not None and current.etag != etag:
            raise EditConflict(f"{external_id} changed in Exchange since it was last synced")
        item = CalendarItem(account=self.client.account, id=external_id, changekey=current.etag)
        send = SEND_TO_ALL_AND_SAVE_COPY if notify else SEND_TO_NONE
        try:
            self._write(lambda: item.delete(send_meeting_cancellations=send), external_id)
        except ItemGone:
            return

    def patch_series(
        self, series_id: str, occurrence_id: str, draft: EventDraft, notify: bool
    ) -> None:
        """UpdateItem on the RecurringMaster (its recurrence untouched), in its own zone."""
        master, occurrence = self._fetch((series_id, None)), self._fetch((occurrence_id, None))
        if master is None or occurrence is None:
            raise ItemGone(f"the series {series_id} was deleted in Exchange")
        zone = master._start_timezone or occurrence._start_timezone
        moved = moved_draft(
            _plain(master.start), _plain(occurrence.start), draft, zone.key if zone else None
        )
        item = CalendarItem(
            account=self.client.account,
            folder=self._calendar,
            id=series_id,
            changekey=master.changekey,
            **_fields(moved),
        )
        send = SEND_TO_ALL_AND_SAVE_COPY if notify and draft.attendees else SEND_TO_NONE
        self._write(
            lambda: item.save(
                update_fields=list(WRITTEN),
                conflict_resolution=NEVER_OVERWRITE,
                send_meeting_invitations=send,
            ),
            series_id,
        )

    def delete_series(self, series_id: str, notify: bool) -> None:
        self.delete(series_id, None, notify)

    def get(self, external_id: str) -> RemoteEvent | None:
        """The item now; an occurrence with its master (the series id and UID it is keyed by,
        one GetItem more). None when it is gone: deleted, or moved out of the calendar (to
        Deleted Items, as Outlook deletes), so a deletion there wins as any other."""
        answer = self._fetch((external_id, None))
        if answer is None or not self._in_calendar(answer):
            return None
        series = None
        if answer.type in ("Occurrence", "Exception"):
            series = self._fetch(answer.recurring_master())
        zone = answer._start_timezone or (series._start_timezone if series else None)
        return parse_item(answer, zone.ms_id if zone else None, series=series)

    def _in_calendar(self, item) -> bool:
        parent = item.parent_folder_id
        return parent is None or parent.id == self.client.folder_id("calendar")

    def _fetch(self, item_id):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self.client.get_items([item_id], READ, "calendar")

        [answer] = self.client.call(run)
        if isinstance(answer, GONE):
            return None
        if isinstance(answer, Exception):
            raise ItemRejected(f"Exchange refused the item: {answer}", str(item_id))
        return answer

    def _write(self, fn, external_id: str | None):
        """One write, its item-level refusals as the engine's classes."""
        try:
            return self.client.call(fn)
        except ItemRejected:
            raise
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, ews.ErrorIrresolvableConflict):
                raise EditConflict(
                    f"{external_id} changed in Exchange since it was last synced"
                ) from cause
            if isinstance(cause, GONE):
                raise ItemGone(f"{external_id} was deleted in Exchange") from cause
            if isinstance(cause, ews.ResponseMessageError) and not isinstance(
                cause, (ews.ErrorServerBusy, ews.ErrorInternalServerTransientError)
            ):
                raise ItemRejected(
                    f"Exchange refused the event: {type(cause).__name__}: {cause}",
                    external_id,
                    str(cause)[:2000],
                ) from cause
            raise


def _fields(draft: EventDraft) -> dict:
    tz = EWSTimeZone(draft.timezone) if draft.timezone else EWSTimeZone("UTC")
    if draft.all_day:
        start, end = _date(draft.start), _date(draft.end)
        # exchangelib sends an all-day end as the day after its (inclusive) end date.
        times = {"start": start, "end": _date(end - timedelta(days=1))}
    else:
        times = {"start": _dt(draft.start, tz), "end": _dt(draft.end, tz)}
    return {
        "subject": draft.title,
        "body": Body(draft.description or ""),
        "location": draft.location or "",
        "is_all_day": draft.all_day,
        "required_attendees": [
            Attendee(mailbox=Mailbox(email_address=p.email, name=p.name), response_type="Unknown")
            for p in draft.attendees
        ]
        or None,
        "_start_timezone": tz,
        "_end_timezone": tz,
        **times,
    }


def _plain(value):
    """An EWSDateTime as a plain aware datetime (exchangelib's refuses zoneinfo zones)."""
    if isinstance(value, datetime):
        return datetime.fromtimestamp(value.timestamp(), UTC)
    return value


def _date(value: date | datetime) -> EWSDate:
    day = value.date() if isinstance(value, datetime) else value
    return EWSDate(day.year, day.month, day.day)


def _dt(value, tz: EWSTimeZone) -> EWSDateTime:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return EWSDateTime.from_datetime(aware).astimezone(tz)

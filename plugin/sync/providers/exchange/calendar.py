"""Calendar changes through SyncFolderItems, recurring masters expanded with CalendarView, and
the mapping of an EWS calendar item to a RemoteEvent.

https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-synchronize-items-by-using-ews-in-exchange
and .../how-to-get-appointments-and-meetings-by-using-ews-in-exchange (CalendarView). Sync
answers single items and recurring masters only: a moved or cancelled occurrence is an Update
of its master, so each changed master is expanded over the window and diffed against the
occurrences the CRM holds (KnownOccurrences); a deleted master deletes the series.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from exchangelib import CalendarItem, EWSDateTime
from exchangelib.properties import CalendarView
from exchangelib.services import FindItem

from ...errors import ItemRejected
from ..base import ChangeSet, KnownOccurrences, Person, Rejected, RemoteEvent, Window
from ..zones import iana_zone
from .client import EwsClient
from .fields import CRM_FIELD, EVENT_FIELDS, EXCEPTION_FIELDS, VIEW_FIELDS, sync_page

CALENDAR_ID = "calendar"
MASTER = "RecurringMaster"
# EWS refuses a CalendarView over two years (ErrorCalendarViewRangeTooBig).
VIEW_SPAN = timedelta(days=720)
# Rows per CalendarView page: EWSFindCountLimit, 1000 by default, caps a FindItem's answer.
VIEW_PAGE = 1000
RESPONSES = {
    "Accept": "accepted",
    "Organizer": "accepted",
    "Decline": "declined",
    "Tentative": "tentative",
    "NoResponseReceived": "needsAction",
}


def list_events(
    client: EwsClient,
    cursor: str | None,
    page_token: str | None,
    window: Window,
    known: KnownOccurrences | None = None,
) -> ChangeSet[RemoteEvent]:
    """One SyncFolderItems page of the calendar (from the page token, else the cursor, else
    the beginning), its changed masters expanded over `window`. A full listing (no cursor)
    keeps only single items that overlap the window, as occurrences are kept by the view."""
    folder = client.folder("calendar")
    state = page_token or cursor
    changes, new_state, last = sync_page(client, folder, state, EVENT_FIELDS)
    items: list[RemoteEvent] = []
    deleted: list[str] = []
    rejected: list[Rejected] = []
    masters: list[tuple[CalendarItem, str | None]] = []
    _fill_details(client, [i for k, i, _ in changes if k in ("create", "update")])
    for kind, item, zone in changes:
        if kind == "delete":
            deleted.append(item.id)  # a single item, or a master: the whole series
            continue
        if kind not in ("create", "update") or not isinstance(item, CalendarItem):
            continue  # read flags, and anything that is not a calendar item
        try:
            if item.type == MASTER:
                iana_zone(zone, item.id)  # an unknown zone rejects the series here
                masters.append((item, zone))
                continue
            event = parse_item(item, zone)
        except ItemRejected as exc:
            rejected.append(Rejected(exc.external_id or item.id, str(exc), exc.detail))
            continue
        if event.cancelled:
            deleted.append(event.external_id)
        elif cursor is not None or _overlaps(event, window):
            items.append(event)
    if masters:
        occurrences, gone, refused = _expand(client, folder, masters, window, known)
        items.extend(occurrences)
        deleted.extend(gone)
        rejected.extend(refused)
    return ChangeSet(
        items=tuple(items),
        deleted_ids=tuple(deleted),
        next_page_token=None if last else new_state,
        next_cursor=new_state if last else None,
        rejected=tuple(rejected),
    )


def _expand(client: EwsClient, folder, masters, window: Window, known: KnownOccurrences | None):
    """The occurrences of these masters inside the window (one CalendarView for the page,
    split where the window is longer than EWS allows; exceptions then fetched in one GetItem
    for their own body and attendees), and the occurrences the CRM holds that the view no
    longer shows (moved out of the window, or deleted)."""
    by_uid = {m.uid: (m, zone) for m, zone in masters}
    rows = {}  # by id: an occurrence across two views' boundary comes once

    def ours(row) -> bool:
        return getattr(row, "uid", None) in by_uid and row.type != MASTER

    for lo, hi in _spans(window):
        for row in client.call(lambda lo=lo, hi=hi: _view(client, folder, lo, hi, ours)):
            rows.setdefault(row.id, row)
    rows = list(rows.values())
    own = _exceptions(client, [r for r in rows if r.type == "Exception"])
    found: dict[str, list[RemoteEvent]] = {m.id: [] for m, _ in masters}
    rejected = []
    for row in rows:
        master, zone = by_uid[row.uid]
        try:
            found[master.id].append(parse_item(row, zone, series=master, own=own.get(row.id)))
        except ItemRejected as exc:
            rejected.append(Rejected(exc.external_id or row.id, str(exc), exc.detail))
    items = [e for events in found.values() for e in events if not e.cancelled]
    held = known(list(found), window) if known else {}
    gone = []
    for series_id, ids in held.items():
        seen = {e.external_id for e in found.get(series_id, ()) if not e.cancelled}
        gone.extend(sorted(set(ids) - seen))
    return items, gone, rejected


class _ViewPage(FindItem):
    """FindItem for one CalendarView page: exchangelib would page a view by Offset, which a
    CalendarView has not; this keeps IncludesLastItemInRange and asks for no next page."""

    includes_last = True

    def _get_paging_values(self, elem):
        self.includes_last = elem.get("IncludesLastItemInRange", "true").lower() in ("true", "0")
        return int(elem.get("TotalItemsInView") or 0), None


def _view(client: EwsClient, folder, lo: datetime, hi: datetime, keep) -> list:
    """The rows of a CalendarView that `keep` accepts, asking only for what FindItem can
    answer, in pages of MaxEntriesReturned (EWSFindCountLimit caps a view, and refuses a
    longer one unpaged): while the range's last row has not come, the next page starts at
    the last row's start (rows there and still running come again; the caller keeps one per
    id). Kept page by page, so memory follows the series, not the window's rows."""
    fields = {f for f in folder.normalize_fields(fields=VIEW_FIELDS) if not f.field.is_attribute}
    rows: list = []
    start = _ews(lo)
    while True:
        svc = _ViewPage(account=client.account)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            page = list(
                svc.call(
                    folders=[folder],
                    additional_fields=fields,
                    restriction=None,
                    order_fields=None,
                    shape="IdOnly",
                    query_string=None,
                    depth="Shallow",
                    calendar_view=CalendarView(start=start, end=_ews(hi), max_items=VIEW_PAGE),
                    max_items=None,
                    offset=0,
                )
            )
        rows.extend(r for r in page if keep(r))
        starts = [r.start for r in page if isinstance(getattr(r, "start", None), datetime)]
        if svc.includes_last or not starts or max(starts) <= start:
            return rows  # the last page, or one that cannot move on (all rows at its start)
        start = max(starts)


def _fill_details(client: EwsClient, items) -> None:
    """Body, attendees and organizer of the changed items, which SyncFolderItems does not
    answer (Exchange leaves them out there as in FindItem): one GetItem per batch, copied
    onto the synced items so their raw time zones (read from the sync answer) stay."""
    calendar_items = [i for i in items if isinstance(i, CalendarItem) and i.id]
    fetched = _exceptions(client, calendar_items)
    for item in calendar_items:
        answer = fetched.get(item.id)
        if answer is not None:
            for name in EXCEPTION_FIELDS:
                setattr(item, name, getattr(answer, name))


def _exceptions(client: EwsClient, rows) -> dict:
    """Body, attendees and organizer of these items (modified occurrences, or what sync
    changed), by id, in GetItem batches."""
    own = {}
    size = client.config.get_batch_size
    for lo in range(0, len(rows), size):
        part = [(r.id, r.changekey) for r in rows[lo : lo + size]]
        answers = client.call(
            lambda part=part: client.get_items(part, EXCEPTION_FIELDS, "calendar")
        )
        for (item_id, _), answer in zip(part, answers, strict=True):
            if not isinstance(answer, Exception):
                own[item_id] = answer
    return own


def _spans(window: Window):
    lo = window.start
    while lo < window.end:
        hi = min(lo + VIEW_SPAN, window.end)
        yield lo, hi
        lo = hi


def _ews(naive_utc: datetime) -> EWSDateTime:
    return EWSDateTime.from_datetime(naive_utc.replace(tzinfo=UTC))


def parse_item(item, zone_id: str | None, series=None, calendar_id: str = CALENDAR_ID, own=None):
    """Map a single item, or an occurrence of `series` (its master) as a CalendarView row,
    with body and attendees from `own` (an exception's, fetched) or else the master's;
    anything unreadable raises ItemRejected for that item only."""
    ext_id = item.id
    if not ext_id:
        raise ItemRejected("Calendar item without an id")
    tz = iana_zone(zone_id, ext_id)
    all_day = bool(item.is_all_day)
    try:
        start, end = _times(item, tz, all_day)
        original = None
        if series is not None:
            original = _original(getattr(item, "original_start", None), tz, all_day) or start
    except (TypeError, ValueError, AttributeError) as exc:
        raise ItemRejected(f"Unreadable event times: {exc}", ext_id) from exc
    # A view row has no body or attendees: an exception's own (fetched), or the series'.
    details = item if series is None else (own if own is not None else series)
    if series is not None and getattr(item, "body", None) is not None:
        details = item  # read in full (GetItem), as the writer does
    title = item.subject or ""
    description = str(details.body) if details.body else None
    for name, value in (("title", title), ("description", description or "")):
        if "\x00" in value:
            raise ItemRejected(f"The event {name} contains NUL characters", ext_id)
    owner = series if series is not None else item
    organizer = details.organizer or owner.organizer
    people = list(details.required_attendees or []) + list(details.optional_attendees or [])
    return RemoteEvent(
        external_id=ext_id,
        calendar_id=calendar_id,
        cancelled=bool(item.is_cancelled),
        ical_uid=owner.uid or item.uid or ext_id,
        etag=item.changekey,
        updated=plain(item.last_modified_time),
        status="cancelled" if item.is_cancelled else "confirmed",
        title=title,
        description=description,
        location=item.location,
        start=start,
        end=end,
        all_day=all_day,
        timezone=tz,
        organizer=Person(organizer.email_address, organizer.name)
        if organizer is not None and organizer.email_address
        else None,
        attendees=tuple(
            Person(a.mailbox.email_address, a.mailbox.name, RESPONSES.get(a.response_type))
            for a in people
            if a.mailbox is not None and a.mailbox.email_address
        ),
        recurring_event_id=series.id if series is not None else None,
        original_start=original,
        crm_id=getattr(owner, CRM_FIELD, None),
    )


def _times(item, tz: str | None, all_day: bool):
    start, end = item.start, item.end
    if start is None or end is None:
        raise ValueError("missing start or end")
    if all_day:
        # exchangelib answers the dates in the item's zone, the end inclusive.
        first = _day(start, tz)
        stop = _day(end, tz) if isinstance(end, datetime) else _day(end, tz) + timedelta(days=1)
        return first, max(stop, first + timedelta(days=1))
    start, end = plain(start), plain(end)
    if end < start:
        raise ValueError("the event ends before it starts")
    return start, end


def _day(value, tz: str | None) -> date:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(tz or "UTC")).date()
    return date(value.year, value.month, value.day)


def _original(value, tz: str | None, all_day: bool):
    if value is None:
        return None
    return _day(value, tz) if all_day else plain(value)


def plain(value: datetime | None) -> datetime | None:
    """An exchangelib EWSDateTime as a plain aware datetime in UTC (EWSDateTime refuses
    other tzinfo classes, so it must not reach the engine)."""
    return None if value is None else datetime.fromtimestamp(value.timestamp(), UTC)


def _overlaps(event: RemoteEvent, window: Window) -> bool:
    if event.all_day:
        return event.end > window.start.date() and event.start <= window.end.date()
    start = event.start.astimezone(UTC).replace(tzinfo=None)
    end = event.end.astimezone(UTC).replace(tzinfo=None)
    return end >= window.start and start < window.end

"""Calendar v3 events.list paging and the mapping of an event resource to a RemoteEvent.

https://developers.google.com/calendar/api/v3/reference/events/list and
https://developers.google.com/calendar/api/guides/sync (syncToken, 410 -> full sync).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ...errors import ItemRejected
from ..base import ChangeSet, Person, Rejected, RemoteEvent, Window
from ..tagging import CRM_ID_PROPERTY
from .http import GoogleHttp


def list_events(
    http: GoogleHttp, calendar_id: str, cursor: str | None, page_token: str | None, window: Window
) -> ChangeSet[RemoteEvent]:
    """One events.list page, occurrences expanded (singleEvents=true)."""
    params: dict = {"singleEvents": "true", "maxResults": http.config.calendar_page_size}
    if cursor:
        # A syncToken may not be combined with timeMin/timeMax; deleted items come regardless.
        params.update(syncToken=cursor, showDeleted="true")
    else:
        params.update(timeMin=_rfc3339(window.start), timeMax=_rfc3339(window.end))
    if page_token:
        params["pageToken"] = page_token
    url = f"{http.config.calendar_url}/calendars/{calendar_id}/events"
    body = http.get(url, params, sync_cursor=bool(cursor))
    items, deleted, rejected = [], [], []
    for raw in body.get("items", []):
        try:
            event = parse_event(raw, calendar_id)
        except ItemRejected as exc:
            rejected.append(Rejected(exc.external_id or raw.get("id"), str(exc), exc.detail))
            continue
        if event.cancelled:
            deleted.append(event.external_id)
        else:
            items.append(event)
    return ChangeSet(
        items=tuple(items),
        deleted_ids=tuple(deleted),
        next_page_token=body.get("nextPageToken"),
        next_cursor=None if body.get("nextPageToken") else body.get("nextSyncToken"),
        rejected=tuple(rejected),
    )


def parse_event(raw: dict, calendar_id: str) -> RemoteEvent:
    """Map an event resource; anything unreadable raises ItemRejected for that event only."""
    ext_id = raw.get("id")
    if not ext_id:
        raise ItemRejected("Event without an id")
    if raw.get("status") == "cancelled":
        return RemoteEvent(
            external_id=ext_id,
            calendar_id=calendar_id,
            cancelled=True,
            status="cancelled",
            recurring_event_id=raw.get("recurringEventId"),
        )
    try:
        start, all_day, tz = _time(raw.get("start"))
        end, end_all_day, _ = _time(raw.get("end"))
        original = raw.get("originalStartTime")
        original_start = _time(original)[0] if original else None
        updated = _parse_dt(raw["updated"]) if raw.get("updated") else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ItemRejected(f"Unreadable event times: {exc}", ext_id) from exc
    if all_day != end_all_day or end < start:
        raise ItemRejected("Event ends before it starts or mixes dates and times", ext_id)
    # NUL, over-long text and invalid addresses are the engine's to clean (engine/fields.py).
    title = raw.get("summary") or ""
    organizer = raw.get("organizer") or {}
    private = (raw.get("extendedProperties") or {}).get("private") or {}
    return RemoteEvent(
        external_id=ext_id,
        calendar_id=calendar_id,
        ical_uid=raw.get("iCalUID") or ext_id,
        etag=raw.get("etag"),
        updated=updated,
        status=raw.get("status", "confirmed"),
        title=title,
        description=raw.get("description"),
        location=raw.get("location"),
        start=start,
        end=end,
        all_day=all_day,
        timezone=(raw.get("start") or {}).get("timeZone"),
        organizer=Person(organizer["email"], organizer.get("displayName"))
        if organizer.get("email")
        else None,
        attendees=tuple(
            Person(a["email"], a.get("displayName"), a.get("responseStatus"))
            for a in raw.get("attendees") or []
            if a.get("email") and not a.get("resource")
        ),
        recurring_event_id=raw.get("recurringEventId"),
        original_start=original_start,
        crm_id=private.get(CRM_ID_PROPERTY),
    )


def _time(value: dict | None) -> tuple[datetime | date, bool, str | None]:
    if not value:
        raise ValueError("missing start or end")
    if value.get("date"):
        return date.fromisoformat(value["date"]), True, None
    return _parse_dt(value["dateTime"]), False, value.get("timeZone")


def _parse_dt(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"time without offset: {text}")
    return dt


def _rfc3339(naive_utc: datetime) -> str:
    return naive_utc.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""Calendar v3 writes for two-way sync: insert with a client-chosen id, patch and delete with
If-Match, and the event body a CRM draft becomes.

https://developers.google.com/calendar/api/v3/reference/events/insert (id: base32hex, 5-1024
characters, 409 when taken, even by a deleted event), .../events/patch, .../events/delete, and
https://developers.google.com/calendar/api/guides/version-resources (If-Match -> 412).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ...errors import EditConflict, ItemGone, ItemRejected, SyncError
from ..base import EventDraft, Pushed, RemoteEvent
from ..series import moved_master
from ..tagging import CRM_ID_PROPERTY
from .calendar import parse_event
from .http import GoogleHttp, _reason


def event_body(draft: EventDraft) -> dict:
    """The event resource fields the CRM owns; a patch sends all of them."""
    return {
        "summary": draft.title,
        "description": draft.description or "",
        "location": draft.location or "",
        "start": _when(draft.start, draft.all_day, draft.timezone),
        "end": _when(draft.end, draft.all_day, draft.timezone),
        "attendees": [
            {"email": p.email, **({"displayName": p.name} if p.name else {})}
            | ({"responseStatus": p.response_status} if p.response_status else {})
            for p in draft.attendees
        ],
        "extendedProperties": {"private": {CRM_ID_PROPERTY: draft.crm_id}},
    }


def patch_body(draft: EventDraft) -> dict:
    """``event_body`` for events.patch: Google merges start/end into the stored ones, so the
    field a timed/all-day switch drops is sent as null (a date beside a kept dateTime is
    400)."""
    body = event_body(draft)
    for key in ("start", "end"):
        when = body[key]
        cleared = {"dateTime": None, "timeZone": None} if "date" in when else {"date": None}
        body[key] = {**when, **cleared}
    return body


def _when(value: datetime | date, all_day: bool, tz: str | None) -> dict:
    if all_day:
        day = value.date() if isinstance(value, datetime) else value
        return {"date": day.isoformat()}
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    text = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"dateTime": text, "timeZone": tz or "UTC"}


def _read(when: dict, zone: str) -> datetime | date:
    """A start or end as Google sends it: a date, or an aware datetime."""
    if "date" in when:
        return date.fromisoformat(when["date"])
    value = datetime.fromisoformat(when["dateTime"].replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def _local(value: datetime | date, zone: str) -> dict:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    return {"dateTime": value.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone}


def _send_updates(notify: bool) -> dict:
    return {"sendUpdates": "all" if notify else "none"}


class GoogleCalendarWriter:
    """The CalendarWriter half of the Google adapter, over the adapter's GoogleHttp."""

    def __init__(self, http: GoogleHttp, calendar_id: str):
        self.http = http
        self.calendar_id = calendar_id

    def _url(self, event_id: str | None = None) -> str:
        base = f"{self.http.config.calendar_url}/calendars/{self.calendar_id}/events"
        return f"{base}/{event_id}" if event_id else base

    def insert(self, event_id: str, draft: EventDraft, notify: bool) -> Pushed:
        body = {"id": event_id, **event_body(draft)}
        resp = self.http.write("POST", self._url(), params=_send_updates(notify), json=body)
        if resp.status_code == 409:
            # Taken: our earlier try got through before its answer was stored. Adopt it.
            existing = self.get(event_id)
            if existing is None or (existing.crm_id and existing.crm_id != draft.crm_id):
                raise ItemRejected("The event id is taken by another event", event_id)
            return Pushed(existing, adopted=True)
        return Pushed(self._parsed(resp, event_id))

    def patch(
        self, external_id: str, draft: EventDraft, etag: str | None, notify: bool
    ) -> RemoteEvent:
        resp = self.http.write(
            "PATCH",
            self._url(external_id),
            params=_send_updates(notify),
            json=patch_body(draft),
            headers={"If-Match": etag} if etag else None,
        )
        if resp.status_code == 412:
            raise EditConflict(f"{external_id} changed in Google since it was last synced")
        if resp.status_code in (404, 410):
            raise ItemGone(f"{external_id} was deleted in Google")
        return self._parsed(resp, external_id)

    def delete(self, external_id: str, etag: str | None, notify: bool) -> None:
        resp = self.http.write(
            "DELETE",
            self._url(external_id),
            params=_send_updates(notify),
            headers={"If-Match": etag} if etag else None,
        )
        if resp.status_code == 412:
            raise EditConflict(f"{external_id} changed in Google since it was last synced")
        if resp.status_code in (204, 200, 404, 410):
            return  # gone either way
        self._parsed(resp, external_id)  # raises the classified error

    def patch_series(
        self, series_id: str, occurrence_id: str, draft: EventDraft, notify: bool
    ) -> None:
        """PATCH the master (its recurrence untouched), moved in its own start.timeZone.
        It carries no CRM id: its occurrences are CRM meetings of their own."""
        master, occurrence = self._raw(series_id), self._raw(occurrence_id)
        zone = master["start"].get("timeZone") or "UTC"
        start, end = moved_master(
            _read(master["start"], zone), _read(occurrence["start"], zone), draft, zone
        )
        body = {k: v for k, v in event_body(draft).items() if k != "extendedProperties"}
        body["start"], body["end"] = _local(start, zone), _local(end, zone)
        resp = self.http.write(
            "PATCH", self._url(series_id), params=_send_updates(notify), json=body
        )
        if resp.status_code in (404, 410):
            raise ItemGone(f"the series {series_id} was deleted in Google")
        self._parsed(resp, series_id)

    def delete_series(self, series_id: str, notify: bool) -> None:
        self.delete(series_id, None, notify)

    def _raw(self, event_id: str) -> dict:
        resp = self.http.write("GET", self._url(event_id))
        if resp.status_code in (404, 410):
            raise ItemGone(f"{event_id} was deleted in Google")
        self._parsed(resp, event_id)  # raises the classified error
        return resp.json()

    def get(self, external_id: str) -> RemoteEvent | None:
        resp = self.http.write("GET", self._url(external_id))
        if resp.status_code == 404:
            return None
        return self._parsed(resp, external_id)

    def _parsed(self, resp, external_id: str) -> RemoteEvent:
        code = resp.status_code
        if code < 300:
            try:
                raw = resp.json()
            except ValueError as exc:
                raise SyncError("Google answered a body that is not JSON") from exc
            return parse_event(raw, self.calendar_id)
        reason, message = _reason(resp)
        if code in (400, 403, 404):
            # A bad value (400), a forbidden change (403 with a non-quota reason), or a
            # calendar that is gone: this item will fail the same way until edited again.
            raise ItemRejected(
                f"Google refused the event: {message or reason}", external_id, resp.text[:2000]
            )
        raise SyncError(f"Google answered {code}: {message or reason}")

"""Graph writes for two-way sync (the CalendarWriter half of MicrosoftProvider).

Create: POST /me/events with transactionId = transaction_id_for(crm_id), so a retried POST
(http.py retries timeouts and 5xx, POST included) answers the first copy instead of a second;
the CRM id also goes in the PublicStrings extended property EWS writes. Adoption is known by
a restricted GET before the POST ($filter on the extended property), as Graph answers a
repeated transactionId like a fresh create. Patch and delete carry If-Match (412 ->
EditConflict); an occurrence's id touches only that occurrence.

Invitations: Graph sends them by itself for every attendee of a created or changed meeting;
it has no per-request switch, so `notify` is not honoured yet: attendees are always invited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ...errors import ItemGone
from ..base import EventDraft, Pushed, RemoteEvent
from ..series import moved_master
from .calendar import CRM_PROPERTY_ID, EXPAND_CRM_ID, parse_event, prefer, transaction_id_for
from .http import MicrosoftHttp

EVENTS = "/me/events"


class MicrosoftCalendarWriter:
    """The CalendarWriter half of the Microsoft adapter."""

    def __init__(self, http: MicrosoftHttp):
        self.http = http

    def insert(self, event_id: str, draft: EventDraft, notify: bool) -> Pushed:
        found = self._by_crm_id(draft.crm_id)
        if found is not None:
            return Pushed(found, adopted=True)
        body = {
            **_fields(draft),
            "transactionId": transaction_id_for(draft.crm_id),
            "singleValueExtendedProperties": [{"id": CRM_PROPERTY_ID, "value": draft.crm_id}],
        }
        raw = self.http.request("POST", EVENTS, json=body, headers=prefer(self.http))
        remote = self.get(raw["id"])
        if remote is None:
            raise ItemGone("The new event was deleted in Microsoft 365 before it could be read")
        return Pushed(remote)

    def _by_crm_id(self, crm_id: str) -> RemoteEvent | None:
        quoted = crm_id.replace("'", "''")
        flt = (
            f"singleValueExtendedProperties/any(ep: ep/id eq '{CRM_PROPERTY_ID}'"
            f" and ep/value eq '{quoted}')"
        )
        body = self.http.get(
            EVENTS, {"$filter": flt, "$select": "id", "$top": "1"}, headers=prefer(self.http)
        )
        rows = body.get("value") or []
        return self.get(rows[0]["id"]) if rows else None

    def patch(
        self, external_id: str, draft: EventDraft, etag: str | None, notify: bool
    ) -> RemoteEvent:
        headers = {**prefer(self.http), **({"If-Match": etag} if etag else {})}
        self.http.request("PATCH", f"{EVENTS}/{external_id}", json=_fields(draft), headers=headers)
        remote = self.get(external_id)
        if remote is None:
            raise ItemGone(f"{external_id} was deleted in Microsoft 365")
        return remote

    def delete(self, external_id: str, etag: str | None, notify: bool) -> None:
        headers = {"If-Match": etag} if etag else {}
        try:
            self.http.request("DELETE", f"{EVENTS}/{external_id}", headers=headers)
        except ItemGone:
            return

    def patch_series(
        self, series_id: str, occurrence_id: str, draft: EventDraft, notify: bool
    ) -> None:
        """PATCH the seriesMaster (its recurrence untouched), times in its own zone."""
        master, occurrence = self.get(series_id), self.get(occurrence_id)
        if master is None or occurrence is None:
            raise ItemGone(f"the series {series_id} was deleted in Microsoft 365")
        zone = master.timezone or "UTC"
        start, end = moved_master(master.start, occurrence.start, draft, zone)
        body = _fields(draft)
        for key, value in (("start", start), ("end", end)):
            text = value.isoformat() + ("T00:00:00" if draft.all_day else "")
            body[key] = {"dateTime": text, "timeZone": zone}
        self.http.request("PATCH", f"{EVENTS}/{series_id}", json=body, headers=prefer(self.http))

    def delete_series(self, series_id: str, notify: bool) -> None:
        self.delete(series_id, None, notify)

    def get(self, external_id: str) -> RemoteEvent | None:
        try:
            raw = self.http.get(
                f"{EVENTS}/{external_id}", {"$expand": EXPAND_CRM_ID}, headers=prefer(self.http)
            )
        except ItemGone:
            return None
        master = None
        if raw.get("seriesMasterId"):
            try:
                master = self.http.get(
                    f"{EVENTS}/{raw['seriesMasterId']}",
                    {"$expand": EXPAND_CRM_ID},
                    headers=prefer(self.http),
                )
            except ItemGone:
                return None
        return parse_event(raw, master)


def _fields(draft: EventDraft) -> dict:
    zone = draft.timezone or "UTC"
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError):  # not an IANA name the CRM could convert: UTC, as before
        zone = "UTC"
    if draft.all_day:
        times = {
            "start": {"dateTime": _day(draft.start).isoformat() + "T00:00:00", "timeZone": zone},
            "end": {"dateTime": _day(draft.end).isoformat() + "T00:00:00", "timeZone": zone},
        }
    else:
        # Local times in the meeting's own zone: Graph keeps the zone a write names
        # (originalStartTimeZone), so UTC here would move a Berlin meeting to UTC.
        times = {
            "start": {"dateTime": _local(draft.start, zone), "timeZone": zone},
            "end": {"dateTime": _local(draft.end, zone), "timeZone": zone},
        }
    return {
        "subject": draft.title,
        "body": {"contentType": "text", "content": draft.description or ""},
        "location": {"displayName": draft.location or ""},
        "isAllDay": draft.all_day,
        "attendees": [
            {"emailAddress": {"address": p.email, "name": p.name or p.email}, "type": "required"}
            for p in draft.attendees
        ],
        **times,
    }


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _local(value: date | datetime, zone: str) -> str:
    aware = datetime.strptime(_utc(value), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def _utc(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day) + timedelta(0)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S")

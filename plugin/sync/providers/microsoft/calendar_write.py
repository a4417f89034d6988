"""Graph writes for two-way sync (the CalendarWriter half of MicrosoftProvider).

Create: POST /me/events with transactionId = transaction_id_for(crm_id), so a retried POST
(http.py retries timeouts and 5xx, POST included) answers the first copy instead of a second;
the CRM id also goes in the PublicStrings extended property EWS writes. Adoption is known by
a restricted GET before the POST ($filter on the extended property), as Graph answers a
repeated transactionId like a fresh create. Patch and delete carry If-Match (412 ->
EditConflict); an occurrence's id touches only that occurrence.

Invitations (`notify`): Graph sends them by itself for every attendee of a meeting it saves,
with no per-request switch. With notify, the guests are the event's attendees (a create
invites them, a change updates them). Without, a create writes no attendees and a patch
leaves them as they are: the CRM's guests go in a property of its own (guests.py) and nobody
is sent anything, unless the copy already has attendees in Outlook (made with invitations,
or added there), whom Graph sends every change and the cancellation regardless. The
setting's help text says so (models/settings.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...errors import ItemGone
from ..base import EventDraft, Pushed, RemoteEvent
from ..series import moved_master
from .calendar import CRM_PROPERTY_ID, EXPAND_TAGS, parse_event, prefer, transaction_id_for
from .guests import guests_property
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
        body = _fields(draft, notify)
        body["transactionId"] = transaction_id_for(draft.crm_id)
        body["singleValueExtendedProperties"].append({"id": CRM_PROPERTY_ID, "value": draft.crm_id})
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
        self.http.request(
            "PATCH", f"{EVENTS}/{external_id}", json=_fields(draft, notify), headers=headers
        )
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
        zone = _zone(master.timezone)
        start, end = moved_master(master.start, occurrence.start, draft, zone)
        body = _fields(draft, notify)
        for key, value in (("start", start), ("end", end)):
            text = value.isoformat() + ("T00:00:00" if draft.all_day else "")
            body[key] = {"dateTime": text, "timeZone": zone}
        self.http.request("PATCH", f"{EVENTS}/{series_id}", json=body, headers=prefer(self.http))

    def delete_series(self, series_id: str, notify: bool) -> None:
        self.delete(series_id, None, notify)

    def get(self, external_id: str) -> RemoteEvent | None:
        try:
            raw = self.http.get(
                f"{EVENTS}/{external_id}", {"$expand": EXPAND_TAGS}, headers=prefer(self.http)
            )
        except ItemGone:
            return None
        master = None
        if raw.get("seriesMasterId"):
            try:
                master = self.http.get(
                    f"{EVENTS}/{raw['seriesMasterId']}",
                    {"$expand": EXPAND_TAGS},
                    headers=prefer(self.http),
                )
            except ItemGone:
                return None
        return parse_event(raw, master)


def _fields(draft: EventDraft, notify: bool) -> dict:
    """The fields the CRM owns. Without `notify` no `attendees` at all (on a patch: the
    Outlook attendees stay as they are) and the guests in the CRM's property instead."""
    zone = _zone(draft.timezone)
    if draft.all_day:
        times = {
            "start": {"dateTime": _day(draft.start).isoformat() + "T00:00:00", "timeZone": zone},
            "end": {"dateTime": _day(draft.end).isoformat() + "T00:00:00", "timeZone": zone},
        }
    else:
        # The local time in the meeting's own zone, so Outlook shows it (and
        # originalStartTimeZone says) where it was booked.
        times = {
            "start": {"dateTime": _local(draft.start, zone), "timeZone": zone},
            "end": {"dateTime": _local(draft.end, zone), "timeZone": zone},
        }
    return {
        "subject": draft.title,
        "body": {"contentType": "text", "content": draft.description or ""},
        "location": {"displayName": draft.location or ""},
        "isAllDay": draft.all_day,
        **times,
        **(
            {
                "attendees": [
                    {
                        "emailAddress": {"address": p.email, "name": p.name or p.email},
                        "type": "required",
                    }
                    for p in draft.attendees
                ]
            }
            if notify
            else {}
        ),
        "singleValueExtendedProperties": [guests_property(() if notify else draft.attendees)],
    }


def _zone(name: str | None) -> str:
    """The meeting's IANA zone when it is one (Graph takes IANA and Windows names); UTC
    otherwise."""
    try:
        return name if name and ZoneInfo(name) else "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _local(value: date | datetime, zone: str) -> str:
    """A naive-UTC (or aware) instant as the wall time in `zone`."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")

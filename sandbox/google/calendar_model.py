"""Stored calendars and events, and how one is rendered as a Google resource.

A calendar keeps a change counter (``seq``): every write stamps the touched event with the
next value. Sync tokens are positions in that counter, so an incremental list is "every
event whose seq is past the token", exactly the contract Google documents.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .event_model import instant, render_time, rfc3339
from .recurrence import instance_suffix


@dataclass
class StoredEvent:
    id: str
    body: dict
    created: float
    updated: float
    ical_uid: str
    creator: str
    seq: int = 0
    etag: int = 0
    status: str = "confirmed"
    sequence: int = 0
    recurring_event_id: str | None = None
    original_start: dict | None = None
    # Instances a series change made disappear: instance id -> (seq, originalStart).
    removed: dict[str, tuple[int, dict]] = field(default_factory=dict)

    @property
    def is_master(self) -> bool:
        return bool(self.body.get("recurrence")) and not self.recurring_event_id

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass
class Calendar:
    id: str
    owner: str
    summary: str
    time_zone: str = "UTC"
    description: str = ""
    primary: bool = True
    events: dict[str, StoredEvent] = field(default_factory=dict)
    # master id -> ids of its stored exceptions (modified or cancelled instances)
    exceptions: dict[str, set[str]] = field(default_factory=dict)
    seq: int = 0
    epoch: int = 0
    last_etag: int = 0
    updated: float = 0.0


def etag(n: int) -> str:
    return f'"{n}"'


def html_link(cal: Calendar, event_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{event_id} {cal.id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def person(email: str, owner: str, names: dict[str, str]) -> dict:
    out: dict = {"email": email}
    if names.get(email):
        out["displayName"] = names[email]
    if email == owner:
        out["self"] = True
    return out


def render(
    cal: Calendar,
    ev: StoredEvent,
    names: dict[str, str] | None = None,
    tz: str | None = None,
) -> dict:
    """The full Google ``calendar#event`` resource; ``tz`` is the request's timeZone."""
    names = names or {}
    out: dict = {
        "kind": "calendar#event",
        "etag": etag(ev.etag),
        "id": ev.id,
        "status": ev.status,
        "htmlLink": html_link(cal, ev.id),
        "created": rfc3339(ev.created),
        "updated": rfc3339(ev.updated),
    }
    body = ev.body
    for key in ("summary", "description", "location", "colorId"):
        if key in body:
            out[key] = body[key]
    out["creator"] = person(ev.creator, cal.owner, names)
    out["organizer"] = person(cal.owner, cal.owner, names)
    out["start"] = render_time(body.get("start"), cal.time_zone, tz)
    out["end"] = render_time(body.get("end"), cal.time_zone, tz)
    if ev.recurring_event_id:
        out["recurringEventId"] = ev.recurring_event_id
        out["originalStartTime"] = render_time(ev.original_start, cal.time_zone, tz)
    for key, value in body.items():
        if key in out or key in ("start", "end", "status", "sequence", "originalStartTime"):
            continue
        out[key] = value
    out["iCalUID"] = ev.ical_uid
    out["sequence"] = ev.sequence
    out.setdefault("reminders", {"useDefault": True})
    out.setdefault("eventType", "default")
    return out


def render_cancelled(ev: StoredEvent, cal: Calendar, tz: str | None = None) -> dict:
    """Cancelled exceptions (and instances a series change removed) carry only what Google
    guarantees for them: id, recurringEventId and originalStartTime."""
    out = {"kind": "calendar#event", "etag": etag(ev.etag), "id": ev.id, "status": "cancelled"}
    if ev.recurring_event_id:
        out["recurringEventId"] = ev.recurring_event_id
        out["originalStartTime"] = render_time(ev.original_start, cal.time_zone, tz)
    return out


def duration(ev: StoredEvent) -> timedelta:
    return instant(ev.body["end"]) - instant(ev.body["start"])


def series_start(ev: StoredEvent) -> datetime | date:
    start = ev.body["start"]
    if "date" in start:
        return date.fromisoformat(start["date"])
    return instant(start)


def series_tz(ev: StoredEvent, cal: Calendar) -> str:
    return ev.body["start"].get("timeZone") or cal.time_zone


def time_of(original: datetime | date, tz_name: str | None) -> dict:
    if isinstance(original, datetime):
        out = {"dateTime": original.isoformat().replace("+00:00", "Z")}
    else:
        out = {"date": original.isoformat()}
    if tz_name:
        out["timeZone"] = tz_name
    return out


def make_instance(master: StoredEvent, original: datetime | date) -> StoredEvent:
    """The virtual (unmodified) instance of a series at ``original``."""
    dur = duration(master)
    tz_name = master.body["start"].get("timeZone")
    body = {k: v for k, v in master.body.items() if k != "recurrence"}
    body["start"] = time_of(original, tz_name)
    if isinstance(original, datetime):
        body["end"] = time_of(original + dur, master.body["end"].get("timeZone"))
    else:
        body["end"] = time_of(original + timedelta(days=dur.days), None)
    return StoredEvent(
        id=f"{master.id}_{instance_suffix(original)}",
        body=body,
        created=master.created,
        updated=master.updated,
        ical_uid=master.ical_uid,
        creator=master.creator,
        seq=master.seq,
        etag=master.etag,
        status=master.status,
        sequence=master.sequence,
        recurring_event_id=master.id,
        original_start=time_of(original, tz_name),
    )

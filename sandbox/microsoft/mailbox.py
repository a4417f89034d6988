"""One user's Outlook data: calendar events (single, series masters with their exceptions
and deleted occurrences) and messages in Inbox and Sent Items. Times are kept in UTC."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dateutil import rrule

from .errors import GraphError

DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
RR_DAYS = [rrule.SU, rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA]
HORIZON_DAYS = 2 * 365  # a noEnd series is expanded this far


def new_id() -> str:
    return "AAMkAG" + base64.urlsafe_b64encode(secrets.token_bytes(48)).decode().rstrip("=")


def new_change_key() -> str:
    return base64.b64encode(secrets.token_bytes(12)).decode()


@dataclass
class Event:
    id: str
    data: dict  # subject, body, attendees, location, ... as the client wrote them
    start: datetime
    end: datetime
    created: float
    modified: float
    change_key: str = field(default_factory=new_change_key)
    ical_uid: str = field(
        default_factory=lambda: "040000008200E00074C5B7101A82E008" + secrets.token_hex(28).upper()
    )
    recurrence: dict | None = None
    exceptions: dict[str, dict] = field(default_factory=dict)  # original start iso -> changes
    exception_keys: dict[str, str] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)  # original start isos deleted
    transaction_id: str | None = None
    extended: dict[str, str] = field(default_factory=dict)  # extended property id -> value
    series_key: str = ""  # moves with series-wide edits only (versions of the occurrences)

    def touch(self, now: float) -> None:
        """A change to the event itself (for a master: to the whole series)."""
        self.touch_instance(now)
        self.series_key = self.change_key

    def touch_instance(self, now: float) -> None:
        """An occurrence edited or deleted: the exception lives on the master, so the
        master's changeKey moves, but its other occurrences are unchanged."""
        self.modified = now
        self.change_key = new_change_key()

    @property
    def kind(self) -> str:
        return "seriesMaster" if self.recurrence else "singleInstance"

    def occurrence_starts(self, until: datetime) -> list[datetime]:
        """Original starts of the series up to ``until`` (deleted ones included)."""
        pattern, rng = self.recurrence["pattern"], self.recurrence["range"]
        kind = pattern.get("type", "daily")
        interval = int(pattern.get("interval") or 1)
        kw: dict = {"interval": interval, "dtstart": self.start}
        if kind == "daily":
            freq = rrule.DAILY
        elif kind == "weekly":
            freq = rrule.WEEKLY
            kw["byweekday"] = [RR_DAYS[DAYS.index(d.lower())] for d in pattern["daysOfWeek"]]
            kw["wkst"] = RR_DAYS[DAYS.index(pattern.get("firstDayOfWeek", "sunday").lower())]
        elif kind == "absoluteMonthly":
            freq = rrule.MONTHLY
            kw["bymonthday"] = int(pattern["dayOfMonth"])
        elif kind == "absoluteYearly":
            freq = rrule.YEARLY
            kw["bymonthday"] = int(pattern["dayOfMonth"])
            kw["bymonth"] = int(pattern["month"])
        else:
            raise GraphError(
                400,
                f"Recurrence pattern type '{kind}' is not supported here.",
                "ErrorInvalidRecurrence",
            )
        limit = until
        if rng.get("type") == "numbered":
            kw["count"] = int(rng["numberOfOccurrences"])
        elif rng.get("type") == "endDate":
            end_day = datetime.fromisoformat(rng["endDate"]).replace(tzinfo=UTC)
            limit = min(until, end_day + timedelta(days=1))
        out = []
        for start in rrule.rrule(freq, **kw):
            if start >= limit:
                break
            out.append(start)
        return out


@dataclass
class Message:
    id: str
    folder: str  # "inbox" or "sentitems"
    data: dict
    created: float
    modified: float
    change_key: str = field(default_factory=new_change_key)


class Mailbox:
    def __init__(self, email: str):
        self.email = email
        self.events: dict[str, Event] = {}
        self.by_transaction: dict[str, str] = {}
        self.messages: dict[str, Message] = {}
        # ids deleted, so that a delta round reports @removed for them
        self.deleted_events: set[str] = set()

    # ----- events ------------------------------------------------------------------------
    def event(self, event_id: str) -> Event:
        event = self.events.get(event_id)
        if event is None:
            raise GraphError(
                404, "The specified object was not found in the store.", "ErrorItemNotFound"
            )
        return event

    def instances(self, start: datetime, end: datetime) -> list[tuple[str, str, dict]]:
        """Every instance overlapping [start, end): (id, version, description) where the
        description says what the instance is (event, original start, kind)."""
        out = []
        for event in self.events.values():
            length = event.end - event.start
            if not event.recurrence:
                if event.start < end and event.end > start:
                    out.append((event.id, event.change_key, {"event": event, "kind": "single"}))
                continue
            for original in event.occurrence_starts(
                min(end, event.start + timedelta(days=HORIZON_DAYS))
            ):
                key = original.isoformat()
                if key in event.cancelled:
                    continue
                changes = event.exceptions.get(key)
                o_start = changes["_start"] if changes and "_start" in changes else original
                o_end = changes["_end"] if changes and "_end" in changes else original + length
                if not (o_start < end and o_end > start):
                    continue
                occ_id = occurrence_id(event.id, original)
                if changes is not None:
                    version = f"{event.series_key}:{event.exception_keys.get(key)}"
                    kind = "exception"
                else:
                    version = f"{event.series_key}:{o_start.isoformat()}"
                    kind = "occurrence"
                out.append(
                    (
                        occ_id,
                        version,
                        {
                            "event": event,
                            "kind": kind,
                            "original": original,
                            "start": o_start,
                            "end": o_end,
                        },
                    )
                )
        out.sort(key=lambda item: (item[2].get("start", item[2]["event"].start), item[0]))
        return out

    def resolve(self, event_id: str) -> tuple[Event, datetime | None]:
        """An event id or an occurrence id -> (master or event, original start or None)."""
        if event_id in self.events:
            return self.events[event_id], None
        master_id, original = split_occurrence(event_id)
        if master_id is None or master_id not in self.events:
            raise GraphError(
                404, "The specified object was not found in the store.", "ErrorItemNotFound"
            )
        master = self.events[master_id]
        key = original.isoformat()
        starts = {s.isoformat() for s in master.occurrence_starts(original + timedelta(seconds=1))}
        if key not in starts or key in master.cancelled:
            raise GraphError(
                404, "The specified object was not found in the store.", "ErrorItemNotFound"
            )
        return master, original

    # ----- messages ----------------------------------------------------------------------
    def message(self, message_id: str) -> Message:
        msg = self.messages.get(message_id)
        if msg is None:
            raise GraphError(
                404, "The specified object was not found in the store.", "ErrorItemNotFound"
            )
        return msg


def occurrence_id(master_id: str, original: datetime) -> str:
    stamp = original.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{master_id}_OCC{stamp}"


def split_occurrence(occ_id: str) -> tuple[str | None, datetime | None]:
    master, sep, stamp = occ_id.rpartition("_OCC")
    if not sep:
        return None, None
    try:
        return master, datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None, None

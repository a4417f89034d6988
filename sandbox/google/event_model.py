"""Calendar event resources: validation, normalisation and rendering.

Stored start/end keep the instant in UTC plus the event's own ``timeZone``; rendering
converts back to that zone (or the calendar's), as Google answers ``dateTime`` with the
offset of the zone rather than echoing the client's string.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ApiError, bad_request, invalid

WRITABLE = {
    "anyoneCanAddSelf",
    "attachments",
    "attendees",
    "attendeesOmitted",
    "colorId",
    "conferenceData",
    "description",
    "end",
    "endTimeUnspecified",
    "eventType",
    "extendedProperties",
    "focusTimeProperties",
    "gadget",
    "guestsCanInviteOthers",
    "guestsCanModify",
    "guestsCanSeeOtherGuests",
    "location",
    "locked",
    "originalStartTime",
    "outOfOfficeProperties",
    "privateCopy",
    "recurrence",
    "reminders",
    "sequence",
    "source",
    "start",
    "status",
    "summary",
    "transparency",
    "visibility",
    "workingLocationProperties",
}
ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
# RFC 5322 addr-spec: dot-atom or quoted-string local part, dot-atom or literal domain.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
ADDR_SPEC_RE = re.compile(
    rf'^(?:{_ATEXT}(?:\.{_ATEXT})*|"(?:[^"\\\r\n]|\\.)*")'
    rf"@(?:{_LABEL}(?:\.{_LABEL})*|\[[^\[\]\\\s]*\])$"
)
STATUSES = {"confirmed", "tentative", "cancelled"}
PROPERTY_KEY_MAX, PROPERTY_VALUE_MAX = 44, 1024  # extended properties, as Google limits them


def zone(name: str, which: str = "start") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"Invalid time zone definition for {which} time.") from exc


def parse_rfc3339(value: str, param: str | None = None) -> datetime:
    """An RFC 3339 timestamp with a mandatory offset, as timeMin/timeMax/updatedMin need."""
    try:
        dt = datetime.fromisoformat(value.replace("z", "Z"))
    except (ValueError, AttributeError) as exc:
        raise bad_request() from exc
    if dt.tzinfo is None:
        raise bad_request()
    return dt.astimezone(UTC)


def rfc3339(ts: float) -> str:
    """Google's ``updated``/``created`` format: UTC with milliseconds."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def normalize_time(value: Any, which: str, recurring: bool) -> dict:
    """Validate one of start/end and store it as {"dateTime": UTC, "timeZone"} or {"date"}."""
    if not isinstance(value, dict) or not (value.get("date") or value.get("dateTime")):
        raise ApiError(400, f"Missing {which} time.", "required")
    tz_name = value.get("timeZone")
    if tz_name:
        zone(tz_name, which)
    if value.get("date") and value.get("dateTime"):
        raise invalid(f"Invalid {which} time.")
    if value.get("date"):
        try:
            day = date.fromisoformat(value["date"])
        except ValueError as exc:
            raise invalid(f"Invalid {which} time.") from exc
        out = {"date": day.isoformat()}
        if tz_name:
            out["timeZone"] = tz_name
        return out
    try:
        dt = datetime.fromisoformat(str(value["dateTime"]).replace("z", "Z"))
    except ValueError as exc:
        raise invalid(f"Invalid {which} time.") from exc
    if dt.tzinfo is None:
        if not tz_name:
            raise ApiError(400, f"Missing time zone definition for {which} time.", "required")
        dt = dt.replace(tzinfo=zone(tz_name, which))
    if recurring and not tz_name:
        raise ApiError(400, f"Missing time zone definition for {which} time.", "required")
    out = {"dateTime": dt.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    if tz_name:
        out["timeZone"] = tz_name
    return out


def instant(t: dict, tz_name: str = "UTC") -> datetime:
    """A stored start/end as a comparable aware datetime; an all-day date is midnight in
    ``tz_name`` (the calendar's zone, where Google lets the date begin and end)."""
    if "date" in t:
        d = date.fromisoformat(t["date"])
        return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(tz_name)).astimezone(UTC)
    return datetime.fromisoformat(t["dateTime"])


def validate_span(start: dict, end: dict) -> None:
    if ("date" in start) != ("date" in end):
        raise invalid("Start and end times must either both be date or both be dateTime.")
    if instant(end) < instant(start):
        raise ApiError(400, "The specified time range is empty.", "timeRangeEmpty")


def render_time(t: dict | None, cal_tz: str, asked_tz: str | None = None) -> dict | None:
    """A stored time as answered: in the request's ``timeZone`` parameter if any, else the
    event's zone, else the calendar's."""
    if t is None:
        return None
    if "date" in t:
        return dict(t)
    tz_name = asked_tz or t.get("timeZone") or cal_tz
    local = datetime.fromisoformat(t["dateTime"]).astimezone(ZoneInfo(tz_name))
    out = {"dateTime": local.isoformat().replace("+00:00", "Z")}
    if t.get("timeZone"):
        out["timeZone"] = t["timeZone"]
    return out


def response_zone(args) -> str | None:
    """The ``timeZone`` query parameter of list/get/instances, checked (400 if unknown)."""
    name = args.get("timeZone")
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"Invalid time zone: {name}", location="timeZone") from exc
    return name


def normalize_attendees(attendees: Any, organizer: str) -> list[dict]:
    if not isinstance(attendees, list):
        raise invalid("Invalid attendees value.")
    out, seen = [], set()
    for att in attendees:
        if not isinstance(att, dict) or not att.get("email"):
            raise ApiError(400, "Missing attendee email.", "required")
        email = str(att["email"]).strip()
        if not ADDR_SPEC_RE.match(email):
            raise invalid("Invalid attendee email.")
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        a = {k: v for k, v in att.items() if k not in ("id", "self", "organizer")}
        a["email"] = email
        a.setdefault("responseStatus", "needsAction")
        if a["responseStatus"] not in ("needsAction", "declined", "tentative", "accepted"):
            raise invalid("Invalid attendee response status.")
        if email.lower() == organizer.lower():
            a["organizer"] = True
            a["self"] = True
        out.append(a)
    return out


def normalize_extended(value: Any) -> dict:
    if not isinstance(value, dict):
        raise invalid("Invalid extendedProperties value.")
    out: dict[str, dict[str, str]] = {}
    for scope in ("private", "shared"):
        props = value.get(scope)
        if props is None:
            continue
        if not isinstance(props, dict):
            raise invalid("Invalid extendedProperties value.")
        # Google silently drops keys over 44 characters and truncates values to 1,024.
        out[scope] = {
            str(k): str(v)[:PROPERTY_VALUE_MAX]
            for k, v in props.items()
            if v is not None and len(str(k)) <= PROPERTY_KEY_MAX
        }
    return out


def merge_patch(target: dict, patch: dict) -> dict:
    """Google patch semantics: objects merge recursively (start and end too, so switching
    between date and dateTime needs the other set to null), arrays replace, null clears."""
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(out.get(key), dict)
            and key != "originalStartTime"
        ):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = value
    return out


def clean_body(raw: dict, organizer: str, *, require_times: bool) -> dict:
    """Keep writable fields, validate them, normalise times/attendees/properties."""
    if not isinstance(raw, dict):
        raise ApiError(400, "Parse Error", "parseError")
    body = {k: v for k, v in raw.items() if k in WRITABLE and v is not None}
    recurring = bool(body.get("recurrence"))
    if require_times or "start" in body or "end" in body:
        for which in ("start", "end"):
            if which not in body:
                raise ApiError(400, f"Missing {which} time.", "required")
        body["start"] = normalize_time(body["start"], "start", recurring)
        body["end"] = normalize_time(body["end"], "end", recurring)
        validate_span(body["start"], body["end"])
    if "status" in body and body["status"] not in STATUSES:
        raise invalid("Invalid value for status.")
    if "attendees" in body:
        body["attendees"] = normalize_attendees(body["attendees"], organizer)
    if "extendedProperties" in body:
        body["extendedProperties"] = normalize_extended(body["extendedProperties"])
    if "recurrence" in body and not (
        isinstance(body["recurrence"], list) and all(isinstance(r, str) for r in body["recurrence"])
    ):
        raise invalid("Invalid recurrence rule.")
    for flag, allowed in (
        ("transparency", {"opaque", "transparent"}),
        ("visibility", {"default", "public", "private", "confidential"}),
    ):
        if flag in body and body[flag] not in allowed:
            raise invalid(f"Invalid value for {flag}.")
    return body


def matches_text(body: dict, organizer: str, terms: list[str]) -> bool:
    """Free-text ``q``: every term must occur in summary/description/location/people."""
    hay = " ".join(
        [
            str(body.get("summary", "")),
            str(body.get("description", "")),
            str(body.get("location", "")),
            organizer,
        ]
        + [f"{a.get('email', '')} {a.get('displayName', '')}" for a in body.get("attendees", [])]
    ).lower()
    return all(t.lower() in hay for t in terms)

"""Times in words and in the viewer's time zone (columns hold naive UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import utcnow


def user_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Naive UTC from the database -> aware local time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(zone)


def to_utc_naive(value: datetime, zone: ZoneInfo) -> datetime:
    """An aware time, or a naive one read in `zone`, as naive UTC for queries."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).replace(tzinfo=None)


def _span(seconds: float) -> str:
    seconds = int(abs(seconds))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "a few seconds"


def humanize(value: datetime | None, empty: str = "never", now: datetime | None = None) -> str:
    """'3 minutes ago' / 'in 2 hours' for a naive-UTC time."""
    if value is None:
        return empty
    delta = (value - (now or utcnow())).total_seconds()
    if abs(delta) < 30:
        return "just now"
    return f"in {_span(delta)}" if delta > 0 else f"{_span(delta)} ago"


def days_text(days: int, direction: str) -> str:
    """'30 days ago' / '180 days ahead' / 'today', for the sync window in plain words."""
    if days == 0:
        return "today"
    return f"{days} day{'s' if days != 1 else ''} {direction}"


def count_text(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def local_text(value: datetime | None, zone: ZoneInfo) -> str:
    local = to_local(value, zone)
    return local.strftime("%a %d %b %Y, %H:%M %Z") if local else ""


def date_text(value: date | None) -> str:
    return value.strftime("%a %d %b %Y") if value else ""


def span_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """'Mon 23 Nov 2026, 10:00 – 11:00 UTC', naming the end's date only when it differs."""
    a, b = to_local(start, zone), to_local(end, zone)
    if a.date() == b.date():
        return f"{a.strftime('%a %d %b %Y, %H:%M')} – {b.strftime('%H:%M %Z')}"
    return f"{local_text(start, zone)} – {local_text(end, zone)}"


def zone_label(zone: ZoneInfo | str) -> str:
    """'New York' for America/New_York: the city, as people say where a meeting was set."""
    key = zone.key if isinstance(zone, ZoneInfo) else zone
    return key.rsplit("/", 1)[-1].replace("_", " ")


def origin_text(start: datetime, end: datetime, event_zone: str | None, viewer: ZoneInfo) -> str:
    """'12:00 – 13:00 in New York' when the meeting was set in another zone than the viewer's,
    else ''. An unknown zone name says nothing rather than guess."""
    if not event_zone:
        return ""
    try:
        zone = ZoneInfo(event_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    a, b = to_local(start, zone), to_local(end, zone)
    if zone.key == viewer.key or a.utcoffset() == to_local(start, viewer).utcoffset():
        return ""
    day = "" if a.date() == to_local(start, viewer).date() else a.strftime("%a %d %b, ")
    return f"{day}{a:%H:%M} – {b:%H:%M} in {zone_label(zone)}"

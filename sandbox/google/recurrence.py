"""Expansion of RRULE/EXDATE/RDATE series into instances, as events.list singleEvents does.

Occurrences are generated in the event's own time zone (so a 09:00 meeting stays at 09:00
across DST). Instance ids follow Google: ``<masterId>_<YYYYMMDDTHHMMSSZ>`` (UTC start) or
``<masterId>_<YYYYMMDD>`` for all-day series.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

from .errors import invalid

# How far past "now" an open-ended series is expanded when the query has no timeMax.
HORIZON = timedelta(days=730)
MAX_INSTANCES = 5000

_UNTIL = re.compile(r"UNTIL=([0-9TZ]+)", re.I)


def instance_suffix(original: datetime | date) -> str:
    if isinstance(original, datetime):
        return original.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return original.strftime("%Y%m%d")


def parse_suffix(suffix: str) -> datetime | date | None:
    try:
        if len(suffix) == 16 and suffix.endswith("Z"):
            return datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if len(suffix) == 8:
            return datetime.strptime(suffix, "%Y%m%d").date()
    except ValueError:
        return None
    return None


def _parse_value(text: str, tz: ZoneInfo | None, all_day: bool) -> datetime:
    text = text.strip()
    if len(text) == 8:
        d = datetime.strptime(text, "%Y%m%d")
        return d if all_day else d.replace(tzinfo=tz)
    if text.endswith("Z"):
        dt = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return dt.replace(tzinfo=None) if all_day else dt.astimezone(tz)
    dt = datetime.strptime(text, "%Y%m%dT%H%M%S")
    return dt if all_day else dt.replace(tzinfo=tz)


def _fix_until(rule: str, tz: ZoneInfo | None, all_day: bool) -> str:
    """dateutil wants UNTIL in UTC for aware starts and floating for naive ones."""

    def repl(m: re.Match) -> str:
        value = m.group(1)
        if all_day:
            return "UNTIL=" + value[:8]
        if len(value) == 8:
            end = datetime.combine(
                date.fromisoformat(f"{value[:4]}-{value[4:6]}-{value[6:8]}"), time(23, 59, 59), tz
            )
            return "UNTIL=" + end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        if not value.endswith("Z"):
            local = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz)
            return "UNTIL=" + local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return "UNTIL=" + value

    return _UNTIL.sub(repl, rule)


def build_set(start: datetime | date, recurrence: list[str], tz_name: str) -> rruleset:
    """An rruleset for a series starting at ``start`` (aware datetime or date)."""
    all_day = not isinstance(start, datetime)
    tz = None if all_day else ZoneInfo(tz_name)
    dtstart = datetime.combine(start, time()) if all_day else start.astimezone(tz)
    rset = rruleset()
    has_rule = False
    for line in recurrence:
        name, _, value = line.partition(":")
        prop, *params = name.upper().split(";")
        ptz = tz
        for p in params:
            if p.startswith("TZID="):
                ptz = ZoneInfo(name.split("TZID=", 1)[1].split(";")[0])
        try:
            if prop in ("RRULE", "EXRULE"):
                rule = rrulestr(_fix_until(value, tz, all_day), dtstart=dtstart)
                (rset.rrule if prop == "RRULE" else rset.exrule)(rule)
                has_rule = has_rule or prop == "RRULE"
            elif prop in ("RDATE", "EXDATE"):
                for v in value.split(","):
                    when = _parse_value(v, ptz, all_day)
                    if not all_day:
                        when = when.astimezone(tz)
                    (rset.rdate if prop == "RDATE" else rset.exdate)(when)
                    has_rule = has_rule or prop == "RDATE"
            else:
                raise ValueError(prop)
        except (ValueError, TypeError, KeyError) as exc:
            raise invalid("Invalid recurrence rule.") from exc
    if not has_rule:
        raise invalid("Invalid recurrence rule.")
    if any(line.upper().startswith("RRULE") for line in recurrence):
        rset.rdate(dtstart)  # RFC 5545: DTSTART is always the first instance
    return rset


def occurrences(
    start: datetime | date,
    duration: timedelta,
    recurrence: list[str],
    tz_name: str,
    window_start: datetime | None,
    window_end: datetime,
) -> list[datetime | date]:
    """Original start times of instances overlapping [window_start, window_end)."""
    rset = build_set(start, recurrence, tz_name)
    all_day = not isinstance(start, datetime)
    day_zone = ZoneInfo(tz_name)  # an all-day instance covers its date in the series' zone
    out: list[datetime | date] = []
    for occ in rset:
        occ_utc = (occ.replace(tzinfo=day_zone) if all_day else occ).astimezone(UTC)
        if occ_utc >= window_end or len(out) >= MAX_INSTANCES:
            break
        if window_start is not None and occ_utc + duration <= window_start:
            continue
        out.append(occ.date() if all_day else occ.astimezone(UTC))
    return out

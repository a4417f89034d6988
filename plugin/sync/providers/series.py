"""Where a series master goes when "All events" moves one occurrence: the same wall-clock
shift in the series' own zone, so a Berlin weekly sync moved from 09:00 to 10:00 is at 10:00
Berlin time all year (across daylight saving) and stays a Berlin series whoever edits it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .base import EventDraft


def _wall(value: datetime, zone: ZoneInfo) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)


def moved_master(
    master_start: datetime | date,
    occurrence_start: datetime | date,
    draft: EventDraft,
    zone_name: str | None,
) -> tuple[datetime | date, datetime | date]:
    """The master's new (start, end): wall-clock times in `zone_name` (naive), or dates for
    an all-day series. The master moves by as much as the draft moves the occurrence, and
    takes the draft's length."""
    if draft.all_day:
        day = lambda v: v.date() if isinstance(v, datetime) else v  # noqa: E731
        start = day(master_start) + (day(draft.start) - day(occurrence_start))
        return start, start + (day(draft.end) - day(draft.start))
    zone = ZoneInfo(zone_name or "UTC")
    shift = _wall(draft.start, zone) - _wall(occurrence_start, zone)
    start = _wall(master_start, zone) + shift
    length: timedelta = draft.end - draft.start
    return start, start + length


def moved_draft(
    master_start: datetime | date,
    occurrence_start: datetime | date,
    draft: EventDraft,
    zone_name: str | None,
) -> EventDraft:
    """The draft a master is written with: moved_master's times (naive UTC, or dates) and
    the series' own zone."""
    start, end = moved_master(master_start, occurrence_start, draft, zone_name)
    if not draft.all_day:
        zone = ZoneInfo(zone_name or "UTC")
        start, end = (
            v.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None) for v in (start, end)
        )
    return replace(draft, start=start, end=end, timezone=zone_name or draft.timezone)

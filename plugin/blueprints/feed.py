"""The calendar feeds' queries and JSON, shared by the User and Account Calendars.

FullCalendar runs in the viewer's named time zone through its Luxon plugin: it reads the
server's wall-clock times (no offset) as times in that zone, and sends start/end with the
zone's offset, which `window` converts to UTC.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, request, url_for
from sqlalchemy import and_, or_, select

from ..models import CalendarEvent, Email
from ..state import session
from .timefmt import to_local, to_utc_naive

MAX_SPAN = timedelta(days=62)
DAY_GRID = "dayGridMonth"


def window(zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The feed's ?start=&end=, as naive UTC; 400 when missing, malformed or too wide."""
    try:
        start = datetime.fromisoformat(request.args["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.args["end"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        abort(400, "start and end must be ISO 8601 dates")
    start, end = to_utc_naive(start, zone), to_utc_naive(end, zone)
    if end <= start or end - start > MAX_SPAN:
        abort(400, "end must follow start, at most 62 days later")
    return start, end


def events_in(clause, start: datetime, end: datetime, zone: ZoneInfo) -> list[CalendarEvent]:
    """Events overlapping the window; all-day ones by their dates, which never shift."""
    first, last = to_local(start, zone).date(), to_local(end, zone).date()
    overlap = or_(
        and_(
            CalendarEvent.all_day.is_(False),
            CalendarEvent.start_at < end,
            CalendarEvent.end_at > start,
        ),
        and_(
            CalendarEvent.all_day.is_(True),
            CalendarEvent.start_date < last,
            CalendarEvent.end_date > first,
        ),
    )
    query = (
        select(CalendarEvent)
        .where(
            clause, overlap, CalendarEvent.deleted_at.is_(None), CalendarEvent.status != "cancelled"
        )
        .order_by(CalendarEvent.start_at, CalendarEvent.id)
    )
    return list(session().scalars(query))


def emails_in(clause, start: datetime, end: datetime, zone: ZoneInfo) -> list[Email]:
    """Emails whose thread started on a date inside the window (Navusoft)."""
    first = to_local(start, zone).date()
    last = to_local(end, zone).date()
    query = (
        select(Email)
        .where(clause, Email.thread_started_on >= first, Email.thread_started_on < last)
        .order_by(Email.thread_started_on, Email.sent_at, Email.id)
    )
    return list(session().scalars(query))


def _fmt(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


def event_item(event: CalendarEvent, zone: ZoneInfo, account_id: int | None) -> dict:
    extra = {"account_id": account_id} if account_id else {}
    item = {
        "id": f"event-{event.id}",
        "title": event.title or "(no title)",
        "url": url_for("crm_sync_calendar.event_detail", event_id=event.id, **extra),
        "classNames": ["crm-sync-event"],
        "extendedProps": {"kind": "event", "source": event.source_label},
    }
    if event.all_day and event.start_date:
        item.update(
            allDay=True,
            start=event.start_date.isoformat(),
            end=(event.end_date or event.start_date + timedelta(days=1)).isoformat(),
        )
    else:
        item.update(
            allDay=False,
            start=_fmt(to_local(event.start_at, zone)),
            end=_fmt(to_local(event.end_at, zone)),
        )
    return item


def email_item(mail: Email, account_id: int | None) -> dict:
    extra = {"account_id": account_id} if account_id else {}
    return {
        "id": f"email-{mail.id}",
        "title": mail.subject or "(no subject)",
        "url": url_for("crm_sync_calendar.email_detail", email_id=mail.id, **extra),
        "allDay": True,
        "start": mail.thread_started_on.isoformat(),
        "classNames": ["crm-sync-email"],
        "color": "#6c757d",
        "extendedProps": {"kind": "email"},
    }


def _days(item: dict) -> list[date]:
    start = date.fromisoformat(item["start"][:10])
    if not item.get("allDay"):
        return [start]  # a timed item sits on its start day in the month grid
    end = date.fromisoformat(item["end"][:10]) if item.get("end") else start + timedelta(1)
    return [start + timedelta(n) for n in range(max((end - start).days, 1))]


def aggregate(items: list[dict], day_list_endpoint: str, **url_args) -> list[dict]:
    """Month view: a day with several items shows one "Events" item that opens that day's list."""
    by_day: dict[date, list[dict]] = defaultdict(list)
    for item in items:
        for day in _days(item):
            by_day[day].append(item)
    busy = {day for day, found in by_day.items() if len(found) > 1}
    out = [item for item in items if not any(d in busy for d in _days(item))]
    for day in sorted(busy):
        out.append(
            {
                "id": f"day-{day.isoformat()}",
                "title": "Events",
                "start": day.isoformat(),
                "allDay": True,
                "classNames": ["crm-sync-day-events"],
                "color": "#0d6efd",
                "extendedProps": {
                    "kind": "day",
                    "count": len(by_day[day]),
                    "list_url": url_for(day_list_endpoint, date=day.isoformat(), **url_args),
                },
            }
        )
    return out


def day_items(items: list[dict], day: date) -> list[dict]:
    """The items on one date, for the "Events" list."""
    return [
        {
            "title": i["title"],
            "url": i["url"],
            "kind": i["extendedProps"]["kind"],
            "time": "" if i.get("allDay") else i["start"][11:16],
        }
        for i in items
        if day in _days(i)
    ]


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """One local calendar day as a naive-UTC window."""
    start = datetime.combine(day, datetime.min.time())
    return to_utc_naive(start, zone), to_utc_naive(start + timedelta(days=1), zone)

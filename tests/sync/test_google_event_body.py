"""The event body the Google adapter writes stays inside Google's documented limits, so
nothing the plugin relies on is silently dropped or truncated (issue 19.7, 19.8)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from outbound_helpers import OWNER, create, edit, remote_events
from sqlalchemy import select

from plugin.models import CalendarEvent, SyncProblem
from plugin.sync.engine import sync_account
from plugin.sync.providers.base import EventDraft, Person
from plugin.sync.providers.google.calendar_write import event_body

# https://developers.google.com/calendar/api/guides/extended-properties (keys over 44
# characters are dropped, values over 1,024 characters truncated, silently)
KEY_MAX, VALUE_MAX = 44, 1024


def _draft(**kw) -> EventDraft:
    base = dict(
        crm_id="9" * 40,
        title="Demo",
        start=datetime(2024, 5, 1, 10),
        end=datetime(2024, 5, 1, 11),
        attendees=(Person("joe@globex.com"),),
    )
    return EventDraft(**{**base, **kw})


def test_extended_properties_fit_googles_limits():
    for draft in (_draft(), _draft(all_day=True, start=date(2024, 5, 1), end=date(2024, 5, 2))):
        props = event_body(draft)["extendedProperties"]
        for scope in props.values():
            for key, value in scope.items():
                assert len(key) <= KEY_MAX and len(value) <= VALUE_MAX


def test_switch_between_timed_and_all_day_reaches_google(sb, make_account, db):
    """Google merges a patched start/end into the stored one: the adapter must null the
    field it drops, or the switch is refused (400) and the CRM edit never arrives."""
    acc = make_account(OWNER)
    event = create(db, acc, "Offsite")
    assert sync_account(acc.id).status == "ok"
    [remote] = remote_events(sb)
    assert "dateTime" in remote["start"]

    day = event.start_at.date()
    edit(db, event, all_day=True, start_date=day, end_date=day + timedelta(days=1))
    run = sync_account(acc.id)
    assert not problems(db)
    assert run.status == "ok" and run.pushed == 1, run.error
    [remote] = remote_events(sb)
    assert remote["start"] == {"date": day.isoformat()}
    assert remote["end"] == {"date": (day + timedelta(days=1)).isoformat()}

    event = db.session.get(CalendarEvent, event.id)
    start = datetime.combine(day, time(9))
    edit(
        db,
        event,
        all_day=False,
        start_date=None,
        end_date=None,
        start_at=start,
        end_at=start + timedelta(hours=1),
    )
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 1, run.error
    assert not problems(db)
    [remote] = remote_events(sb)
    assert remote["start"]["dateTime"].startswith(f"{day.isoformat()}T09:00:00")
    assert "date" not in remote["start"] and "date" not in remote["end"]


def problems(db) -> list[str]:
    return [p.message for p in db.session.scalars(select(SyncProblem))]

"""Inbound calendar behaviour every provider shares: full then incremental, deletions, an
expired cursor, a series with a moved and a cancelled occurrence, all-day events in three
zones. Each test runs once per provider (see conftest.py)."""

from __future__ import annotations

from datetime import date, timedelta

from drivers.base import at
from sqlalchemy import select
from sync_helpers import count

from plugin.models import CalendarEvent, EventLink, SyncCursor
from plugin.sync.engine import sync_account

ANN = "ann@acme.com"


def titles(db) -> list[str]:
    return sorted(db.session.scalars(select(CalendarEvent.title)))


def test_first_sync_is_full_then_incremental(driver, db):
    acc = driver.link(ANN, sync_email=False)
    driver.event(ANN, "Kickoff", attendees=["x@customer.com"])
    driver.event(ANN, "Review", days=3)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and run.created == 2
    assert titles(db) == ["Kickoff", "Review"]
    assert set(db.session.scalars(select(CalendarEvent.origin))) == {driver.key}
    cursor = db.session.scalar(select(SyncCursor).where(SyncCursor.feed == "calendar"))
    assert cursor.cursor and cursor.page_token is None and cursor.full_sync_started_at is None

    driver.event(ANN, "Later", days=5)
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and not run.full_sync and run.created == 1
    assert count(db, CalendarEvent) == 3
    assert driver.list_calls(ANN) == 1
    assert run.api_calls == sum(driver.calls(ANN).values())


def test_deleted_event_leaves_the_crm(driver, db):
    acc = driver.link(ANN)
    doomed = driver.event(ANN, "Doomed")
    driver.event(ANN, "Stays")
    sync_account(acc.id)
    driver.delete(ANN, doomed)
    run = sync_account(acc.id)
    assert run.deleted == 1
    assert titles(db) == ["Stays"]
    assert count(db, EventLink) == 1


def test_expired_cursor_resyncs_without_duplicates_or_stale_rows(driver, db):
    acc = driver.link(ANN, sync_email=False)
    keep = driver.event(ANN, "Keep")
    gone = driver.event(ANN, "Gone")
    sync_account(acc.id)
    driver.delete(ANN, gone)
    driver.rename(ANN, keep, "Kept")
    driver.event(ANN, "New")
    driver.expire_cursor(ANN)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and {"feed": "calendar", "note": "cursor expired"} in run.log
    assert titles(db) == ["Kept", "New"]
    assert count(db, EventLink) == 2
    # and the fresh cursor works incrementally again
    run = sync_account(acc.id)
    assert not run.full_sync and run.fetched == 0


def test_series_with_a_moved_and_a_cancelled_occurrence_then_deleted(driver, db):
    acc = driver.link(ANN, sync_email=False)
    series = driver.weekly(ANN, "Weekly", count=4)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert [r.title for r in rows] == ["Weekly"] * 4
    assert len({r.ical_uid for r in rows}) == 1 and len({r.instance_key for r in rows}) == 4
    keys = [r.instance_key for r in rows]
    second_start = rows[1].start_at

    moved_to = second_start + timedelta(hours=2)
    driver.move_occurrence(ANN, series, 2, moved_to, title="Moved one")
    driver.cancel_occurrence(ANN, series, 3)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.deleted == 1
    db.session.expire_all()
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert [r.title for r in rows] == ["Weekly", "Moved one", "Weekly"]
    moved = rows[1]
    assert moved.instance_key == keys[1]  # the exception keeps its original-start key
    assert moved.start_at == moved_to != second_start  # same meeting, new time
    assert keys[2] not in {r.instance_key for r in rows}

    driver.delete(ANN, series)
    run = sync_account(acc.id)
    assert run.status == "ok" and run.deleted == 3
    assert count(db, CalendarEvent) == 0 and count(db, EventLink) == 0


ZONES = ("Pacific/Kiritimati", "America/Los_Angeles", "Europe/Berlin")  # UTC+14, -8/-7, +1/+2


def test_all_day_events_keep_their_date_in_three_zones(driver, db):
    acc = driver.link("kiri@acme.com", time_zone="Pacific/Kiritimati", sync_email=False)
    on = at(days=10).date()
    for tz in ZONES:
        driver.all_day("kiri@acme.com", f"Holiday {tz}", on, tz)
    driver.event("kiri@acme.com", "Call", tz="Pacific/Kiritimati")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    holidays = list(db.session.scalars(select(CalendarEvent).where(CalendarEvent.all_day)))
    assert len(holidays) == 3
    for holiday in holidays:
        assert (holiday.start_date, holiday.end_date) == (on, on + timedelta(days=1))
        assert holiday.start_at.date() == on and holiday.start_at.hour == 0
        assert isinstance(holiday.start_date, date)
    if driver.all_day_has_zone:
        assert {h.timezone for h in holidays} == set(ZONES)  # Windows ids mapped back
    call = db.session.scalar(select(CalendarEvent).where(CalendarEvent.title == "Call"))
    assert call.timezone == "Pacific/Kiritimati" and call.start_at.tzinfo is None
    assert call.start_at == at(days=1).replace(tzinfo=None)

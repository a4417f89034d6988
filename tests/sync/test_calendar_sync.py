"""Inbound Google Calendar sync against the sandbox: full, incremental, deletions,
recurring occurrences, all-day dates, one meeting in several calendars, bad items."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sync_helpers import at, count, timed

from plugin.models import CalendarEvent, EventLink, SyncCursor, SyncProblem, SyncRun
from plugin.sync.engine import sync_account


def test_first_sync_is_full_then_incremental(sb, make_account, db):
    acc = make_account("ann@acme.com")
    sb.calendar.insert_event("ann@acme.com", timed("Kickoff", attendees=["x@customer.com"]))
    sb.calendar.insert_event("ann@acme.com", timed("Review", days=3))
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and run.created == 2
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Kickoff", "Review"]
    cursor = db.session.scalar(select(SyncCursor).where(SyncCursor.feed == "calendar"))
    assert cursor.cursor and cursor.page_token is None and cursor.full_sync_started_at is None

    sb.calendar.insert_event("ann@acme.com", timed("Later", days=5))
    sb.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and not run.full_sync and run.created == 1
    assert count(db, CalendarEvent) == 3
    assert sb.calls("ann@acme.com")["calendar.events.list"] == 1
    assert run.api_calls == sum(sb.calls("ann@acme.com").values())


def test_cancelled_event_leaves_the_crm(sb, make_account, db):
    acc = make_account("ann@acme.com")
    ev = sb.calendar.insert_event("ann@acme.com", timed("Doomed"))
    sb.calendar.insert_event("ann@acme.com", timed("Stays"))
    sync_account(acc.id)
    sb.calendar.delete_event("ann@acme.com", ev["id"])
    run = sync_account(acc.id)
    assert run.deleted == 1
    assert list(db.session.scalars(select(CalendarEvent.title))) == ["Stays"]
    assert count(db, EventLink) == 1


def test_edit_updates_the_same_row(sb, make_account, db):
    acc = make_account("ann@acme.com")
    ev = sb.calendar.insert_event("ann@acme.com", timed("Draft"))
    sync_account(acc.id)
    row_id = db.session.scalar(select(CalendarEvent.id))
    sb.calendar.patch_event("ann@acme.com", ev["id"], {"summary": "Final", "location": "Room 1"})
    run = sync_account(acc.id)
    assert run.updated == 1 and run.created == 0
    row = db.session.get(CalendarEvent, row_id)
    db.session.refresh(row)
    assert (row.title, row.location) == ("Final", "Room 1")


def test_recurring_series_comes_as_occurrences_with_exception(sb, make_account, db):
    acc = make_account("ann@acme.com")
    body = timed("Weekly", days=1, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    master = sb.calendar.insert_event("ann@acme.com", body)
    sync_account(acc.id)
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert len(rows) == 4
    assert len({r.ical_uid for r in rows}) == 1 and all(r.instance_key for r in rows)
    second = rows[1]
    stamp = second.instance_key
    sb.calendar.patch_event("ann@acme.com", f"{master['id']}_{stamp}", {"summary": "Moved one"})
    third_id = f"{master['id']}_{rows[2].instance_key}"
    sb.calendar.delete_event("ann@acme.com", third_id)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    db.session.expire_all()
    rows = list(db.session.scalars(select(CalendarEvent).order_by(CalendarEvent.start_at)))
    assert [r.title for r in rows] == ["Weekly", "Moved one", "Weekly"]
    assert rows[1].instance_key == stamp  # the exception keeps its original-start key

    sb.calendar.delete_event("ann@acme.com", master["id"])
    sync_account(acc.id)
    assert count(db, CalendarEvent) == 0 and count(db, EventLink) == 0


def test_all_day_event_keeps_its_date_in_a_far_time_zone(sb, make_account, db):
    acc = make_account("kiri@acme.com", time_zone="Pacific/Kiritimati")  # UTC+14
    day = (at(days=10)).date()
    sb.calendar.insert_event(
        "kiri@acme.com",
        {
            "summary": "Holiday",
            "start": {"date": day.isoformat()},
            "end": {"date": (day + timedelta(days=1)).isoformat()},
        },
    )
    sb.calendar.insert_event("kiri@acme.com", timed("Call", tz="Pacific/Kiritimati"))
    sync_account(acc.id)
    holiday = db.session.scalar(select(CalendarEvent).where(CalendarEvent.all_day.is_(True)))
    assert (holiday.start_date, holiday.end_date) == (day, day + timedelta(days=1))
    assert holiday.start_at.date() == day and holiday.start_at.hour == 0
    call = db.session.scalar(select(CalendarEvent).where(CalendarEvent.title == "Call"))
    assert call.timezone == "Pacific/Kiritimati" and call.start_at.tzinfo is None
    assert call.start_at == at(days=1).replace(tzinfo=None)
    assert isinstance(holiday.start_date, date)


def test_same_meeting_in_two_calendars_is_one_row_with_two_links(sb, make_account, db):
    ann = make_account("ann@acme.com")
    bob = make_account("bob@acme.com")
    body = timed("Joint", attendees=["bob@acme.com", "c@customer.com"], iCalUID="joint-1@x")
    sb.calendar.insert_event("ann@acme.com", body)
    sb.calendar.insert_event("bob@acme.com", body)
    sync_account(ann.id)
    sync_account(bob.id)
    assert count(db, CalendarEvent) == 1
    assert count(db, EventLink) == 2
    # Bob deleting his copy keeps the meeting for Ann
    bob_copy = sb.calendar.events("bob@acme.com")[0]
    sb.calendar.delete_event("bob@acme.com", bob_copy["id"])
    sync_account(bob.id)
    assert count(db, CalendarEvent) == 1 and count(db, EventLink) == 1


def test_malformed_event_becomes_a_problem_and_the_rest_lands(sb, make_account, db):
    acc = make_account("ann@acme.com")
    bad = sb.calendar.insert_event("ann@acme.com", timed("Bad \x00 title"))
    sb.calendar.insert_event("ann@acme.com", timed("Good one"))
    run = sync_account(acc.id)
    assert run.status == "ok" and run.problems == 1
    # A NUL loses only itself (issue 13.3): the meeting is kept without it.
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Bad  title", "Good one"]
    problem = db.session.scalar(select(SyncProblem))
    assert problem.external_id == bad["id"] and "NUL" in problem.message
    assert problem.run_id == run.id


def test_expired_sync_token_resyncs_without_duplicates_or_stale_rows(sb, make_account, db):
    acc = make_account("ann@acme.com")
    keep = sb.calendar.insert_event("ann@acme.com", timed("Keep"))
    gone = sb.calendar.insert_event("ann@acme.com", timed("Gone"))
    sync_account(acc.id)
    sb.calendar.delete_event("ann@acme.com", gone["id"])
    sb.calendar.patch_event("ann@acme.com", keep["id"], {"summary": "Kept"})
    sb.calendar.insert_event("ann@acme.com", timed("New"))
    sb.calendar.invalidate_sync_tokens("ann@acme.com")
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert run.full_sync and run.log and run.log[0]["note"] == "cursor expired"
    assert sorted(db.session.scalars(select(CalendarEvent.title))) == ["Kept", "New"]
    assert count(db, EventLink) == 2
    # and the fresh cursor works incrementally again
    run = sync_account(acc.id)
    assert not run.full_sync and run.fetched == 0


def test_items_outside_what_syncs_are_not_stored_and_removed(sb, make_account, db, app):
    from plugin.models import Account, AccountDomain
    from plugin.settings import get_settings

    db.session.add(Account(name="Customer", domains=[AccountDomain(domain="customer.com")]))
    get_settings().sync_scope = "accounts"
    db.session.commit()
    acc = make_account("ann@acme.com")
    ev = sb.calendar.insert_event("ann@acme.com", timed("Customer", attendees=["c@customer.com"]))
    sb.calendar.insert_event("ann@acme.com", timed("Internal", attendees=["bob@acme.com"]))
    run = sync_account(acc.id)
    assert run.skipped == 1
    assert list(db.session.scalars(select(CalendarEvent.title))) == ["Customer"]
    sb.calendar.patch_event("ann@acme.com", ev["id"], {"attendees": [{"email": "z@other.org"}]})
    run = sync_account(acc.id)
    assert count(db, CalendarEvent) == 0 and run.skipped == 1


def test_every_run_is_recorded(sb, make_account, db):
    acc = make_account("ann@acme.com")
    sb.calendar.insert_event("ann@acme.com", timed("One"))
    sync_account(acc.id, worker="w1")
    run = db.session.scalar(select(SyncRun))
    assert run.worker == "w1" and run.status == "ok" and run.finished_at >= run.started_at
    assert run.duration_ms is not None and run.api_calls >= 2 and run.fetched >= 1

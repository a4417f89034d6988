"""Inbound Google Calendar sync against the sandbox: edits, one meeting in several calendars,
bad items, scope, run records (full, incremental, deletions, recurrence, all-day dates and an
expired cursor are in the behaviour suite, tests/sync/behaviour)."""

from __future__ import annotations

from sqlalchemy import select
from sync_helpers import count, timed

from plugin.models import CalendarEvent, EventLink, SyncProblem, SyncRun
from plugin.sync.engine import sync_account


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

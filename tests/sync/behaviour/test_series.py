"""Recurring meetings edited and deleted in the CRM, once per provider (conftest.py): "This
event" touches only that occurrence at the provider; "All events in the series" is one write
to the series, which keeps its own zone whoever edits it; deleting the series deletes every
occurrence there."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from outbound_helpers import OWNER
from sqlalchemy import select

from plugin.models import CalendarEvent, LinkedAccount
from plugin.sync.engine import sync_account
from plugin.sync.matching import Person
from plugin.sync.outbound import AppointmentFields, delete_series, edit_appointment, edit_series
from plugin.sync.providers import get_provider

BERLIN = "Europe/Berlin"


def _occurrences(db) -> list[CalendarEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CalendarEvent)
            .where(CalendarEvent.deleted_at.is_(None))
            .order_by(CalendarEvent.start_at)
        )
    )


def _as_typed(event: CalendarEvent, **changes) -> AppointmentFields:
    """The occurrence as the form sends it back, typed by someone whose zone is UTC."""
    fields = AppointmentFields(
        title=event.title,
        start_at=event.start_at,
        end_at=event.end_at,
        location=event.location,
        description=event.description,
        timezone="UTC",
        attendees=tuple(
            Person(p.email, p.name) for p in event.participants if p.role != "organizer"
        ),
    )
    return replace(fields, **changes)


def _series(db, acc, series_id: str):
    account = db.session.get(LinkedAccount, acc.id)
    return get_provider(account).get_event(series_id)


def _linked(driver):
    acc = driver.link(OWNER, sync_email=False)
    series = driver.weekly(OWNER, "Weekly sync", count=4, tz=BERLIN)
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    return acc, series


def test_all_events_is_one_series_write_that_keeps_the_series_zone(driver, db):
    acc, series = _linked(driver)
    rows = _occurrences(db)
    assert len(rows) == 4
    starts = [r.start_at for r in rows]
    second = rows[1]
    moved = _as_typed(
        second,
        title="Weekly sync (room 2)",
        start_at=second.start_at + timedelta(hours=1),
        end_at=second.end_at + timedelta(hours=1, minutes=30),
    )
    edit_series(db.session, second, moved)
    db.session.commit()
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert driver.writes(OWNER) == 1, "the series master, not four exceptions"
    master = _series(db, acc, series)
    assert master.title == "Weekly sync (room 2)"
    assert master.timezone == BERLIN, "an edit by someone in UTC keeps the series in Berlin"
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    rows = _occurrences(db)
    assert [r.title for r in rows] == ["Weekly sync (room 2)"] * 4
    assert [r.start_at for r in rows] == [s + timedelta(hours=1) for s in starts]
    assert {r.end_at - r.start_at for r in rows} == {timedelta(hours=1, minutes=30)}
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok" and run.pushed == 0 and driver.writes(OWNER) == 0


def test_this_event_changes_only_that_occurrence(driver, db):
    acc, series = _linked(driver)
    third = _occurrences(db)[2]
    third_id = third.id
    moved = _as_typed(
        third,
        title="Weekly sync (moved)",
        timezone=third.timezone,  # the form keeps the meeting's own zone
        start_at=third.start_at + timedelta(hours=1),
        end_at=third.end_at + timedelta(hours=1),
    )
    edit_appointment(db.session, third, moved)
    db.session.commit()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert _series(db, acc, series).title == "Weekly sync"
    db.session.expire_all()
    link = db.session.get(CalendarEvent, third_id).links[0]
    there = _series(db, acc, link.external_id)
    assert (there.title, there.timezone) == ("Weekly sync (moved)", BERLIN)
    run = sync_account(acc.id)
    titles = [r.title for r in _occurrences(db)]
    assert titles == ["Weekly sync", "Weekly sync", "Weekly sync (moved)", "Weekly sync"]


def test_deleting_all_events_deletes_the_series(driver, db):
    acc, series = _linked(driver)
    delete_series(db.session, _occurrences(db)[1])
    db.session.commit()
    driver.reset_calls()
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert driver.writes(OWNER) == 1
    gone = _series(db, acc, series)
    assert gone is None or gone.cancelled
    run = sync_account(acc.id)
    assert run.status == "ok", run.error
    assert _occurrences(db) == []
    assert db.session.scalar(select(CalendarEvent.id)) is None

"""Slice 4: recurring series - CalendarView expansion in the series' zone, stable
occurrence ids, moved and deleted occurrences seen through CalendarView and through
SyncFolderItems (as Updates of the master), the two-year view limit, and FindItem
restricted on an extended property."""

from __future__ import annotations

import datetime as dt

import pytest
from exchange_helpers import account, sync_page
from exchangelib import CalendarItem, EWSDate, EWSDateTime, EWSTimeZone, ExtendedProperty
from exchangelib.errors import (
    ErrorCalendarViewRangeTooBig,
    ErrorOccurrenceCrossingBoundary,
    ErrorOccurrenceTimeSpanTooBig,
)
from exchangelib.recurrence import Recurrence, WeeklyPattern

BERLIN = EWSTimeZone("Europe/Berlin")


class CrmId(ExtendedProperty):
    distinguished_property_set_id = "PublicStrings"
    property_name = "CrmSyncId"
    property_type = "String"


@pytest.fixture(autouse=True, scope="module")
def _crm_id():
    CalendarItem.register("crm_id", CrmId)
    yield
    CalendarItem.deregister("crm_id")


def _weekly(acc, count=8, first=EWSDate(2027, 3, 3)):
    """Wednesdays 09:00-10:00 Berlin from 3 March 2027 (DST starts 28 March)."""
    master = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Standup",
        start=EWSDateTime(first.year, first.month, first.day, 9, 0, tzinfo=BERLIN),
        end=EWSDateTime(first.year, first.month, first.day, 10, 0, tzinfo=BERLIN),
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[3]), start=first, number=count
        ),
    )
    master.save()
    return master


def _view(acc, start=dt.datetime(2027, 3, 1), end=dt.datetime(2027, 5, 1)):
    return list(
        acc.calendar.view(
            start=EWSDateTime.from_datetime(start).replace(tzinfo=BERLIN),
            end=EWSDateTime.from_datetime(end).replace(tzinfo=BERLIN),
        )
    )


def test_calendar_view_expands_in_the_series_zone(xsb):
    acc = account(xsb)
    master = _weekly(acc)
    occurrences = _view(acc)
    assert len(occurrences) == 8
    assert {o.type for o in occurrences} == {"Occurrence"}
    assert all(o.start.astimezone(BERLIN).hour == 9 for o in occurrences)  # wall clock kept
    utc_hours = [o.start.astimezone(EWSTimeZone("UTC")).hour for o in occurrences]
    assert utc_hours[:4] == [8, 8, 8, 8] and utc_hours[4:] == [7, 7, 7, 7]  # over DST
    got = acc.calendar.get(id=master.id)
    assert got.type == "RecurringMaster"
    assert got.recurrence.pattern.weekdays == [3]
    assert got.first_occurrence.start == occurrences[0].start
    assert got.last_occurrence.start == occurrences[-1].start
    assert len({o.id for o in occurrences}) == 8 and master.id not in {o.id for o in occurrences}
    assert {o.uid for o in occurrences} == {got.uid}


def test_occurrences_lead_back_to_their_master(xsb):
    acc = account(xsb)
    master = _weekly(acc)
    third = _view(acc)[2]
    fetched = list(acc.fetch(ids=[third.recurring_master()]))[0]
    assert fetched.id == master.id and fetched.type == "RecurringMaster"
    by_index = list(acc.fetch(ids=[master.occurrence(index=3)]))[0]
    assert by_index.id == third.id and by_index.type == "Occurrence"


def test_weekly_series_with_a_moved_and_a_deleted_occurrence(xsb):
    acc = account(xsb)
    master = _weekly(acc)
    _, state, _ = sync_page(acc, acc.calendar, None, 100)
    before = _view(acc)
    moved, deleted = before[1], before[4]
    moved_original = moved.start
    moved.start = moved.start + dt.timedelta(hours=2)
    moved.end = moved.end + dt.timedelta(hours=2)
    moved.save(update_fields=["start", "end"])
    deleted.delete(send_meeting_cancellations="SendToNone")

    after = _view(acc)
    assert len(after) == 7
    assert [o.id for o in after] == [o.id for o in before if o.id != deleted.id]  # stable ids
    exception = next(o for o in after if o.id == moved.id)
    assert exception.type == "Exception"
    assert exception.start == moved_original + dt.timedelta(hours=2)
    assert exception.original_start == moved_original

    got = acc.calendar.get(id=master.id)
    assert [o.start for o in got.modified_occurrences] == [exception.start]
    assert [o.original_start for o in got.modified_occurrences] == [moved_original]
    assert [d.start for d in got.deleted_occurrences] == [before[4].start]

    changes, state, last = sync_page(acc, acc.calendar, state, 100, "AllProperties")
    assert last
    assert [(kind, item.id) for kind, item in changes] == [("update", master.id)]
    assert changes[0][1].type == "RecurringMaster"


def test_an_occurrence_cannot_be_moved_past_or_onto_its_neighbours(xsb):
    acc = account(xsb)
    _weekly(acc)
    starts = [o.start for o in _view(acc)]
    second = _view(acc)[1]
    start, end = second.start, second.end
    for days in (8, 7, -7):  # past the third, onto the third's day, onto the first's day
        second.start, second.end = start + dt.timedelta(days=days), end + dt.timedelta(days=days)
        with pytest.raises(ErrorOccurrenceCrossingBoundary):
            second.save(update_fields=["start", "end"])
    assert [o.start for o in _view(acc)] == starts  # nothing moved
    second.start = start + dt.timedelta(days=3)  # Saturday, between its neighbours
    second.end = end + dt.timedelta(days=3)
    second.save(update_fields=["start", "end"])
    third = _view(acc)[2]
    third.start, third.end = second.start, second.end  # onto the moved one's day
    with pytest.raises(ErrorOccurrenceCrossingBoundary):
        third.save(update_fields=["start", "end"])


def test_an_occurrence_longer_than_the_pattern_period_is_refused(xsb):
    acc = account(xsb)
    first = EWSDate(2027, 3, 3)
    item = CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="Offsite",
        start=EWSDateTime(2027, 3, 3, 9, 0, tzinfo=BERLIN),
        end=EWSDateTime(2027, 3, 12, 9, 0, tzinfo=BERLIN),  # nine days, repeating weekly
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[3]), start=first, number=4
        ),
    )
    with pytest.raises(ErrorOccurrenceTimeSpanTooBig):
        item.save()
    assert list(acc.calendar.all()) == []
    master = _weekly(acc)
    master.end = master.start + dt.timedelta(days=9)
    with pytest.raises(ErrorOccurrenceTimeSpanTooBig):
        master.save(update_fields=["end"])


def test_sync_returns_masters_never_occurrences(xsb):
    acc = account(xsb)
    master = _weekly(acc, count=20)
    changes, _, _ = sync_page(acc, acc.calendar, None, 512, "AllProperties")
    assert [(k, i.id, i.type) for k, i in changes] == [("create", master.id, "RecurringMaster")]


def test_calendar_view_is_limited_to_two_years(xsb):
    acc = account(xsb)
    with pytest.raises(ErrorCalendarViewRangeTooBig):
        _view(acc, dt.datetime(2027, 1, 1), dt.datetime(2029, 2, 1))


def test_find_item_restricted_on_the_crm_extended_property(xsb):
    acc = account(xsb)
    for crm in ("crm-1", "crm-2"):
        CalendarItem(
            account=acc,
            folder=acc.calendar,
            subject=crm,
            start=EWSDateTime(2027, 1, 5, 9, tzinfo=BERLIN),
            end=EWSDateTime(2027, 1, 5, 10, tzinfo=BERLIN),
            crm_id=crm,
        ).save()
    CalendarItem(
        account=acc,
        folder=acc.calendar,
        subject="none",
        start=EWSDateTime(2027, 1, 5, 9, tzinfo=BERLIN),
        end=EWSDateTime(2027, 1, 5, 10, tzinfo=BERLIN),
    ).save()
    found = list(acc.calendar.filter(crm_id="crm-2"))
    assert [i.subject for i in found] == ["crm-2"]
    assert list(acc.calendar.filter(crm_id="crm-9")) == []
    assert xsb.calls()["FindItem"] >= 2


def test_deleting_the_master_deletes_the_series(xsb):
    acc = account(xsb)
    master = _weekly(acc)
    master_id = master.id
    _, state, _ = sync_page(acc, acc.calendar, None, 100)
    master.delete(send_meeting_cancellations="SendToNone")
    assert _view(acc) == []
    changes, _, _ = sync_page(acc, acc.calendar, state, 100)
    assert [(k, i.id) for k, i in changes] == [("delete", master_id)]


def test_a_modified_occurrence_keeps_its_original_start_as_recurrence_id(xsb):
    acc = account(xsb)
    _weekly(acc)
    moved = _view(acc)[2]
    original = moved.start
    moved.start, moved.end = original + dt.timedelta(days=1), moved.end + dt.timedelta(days=1)
    moved.save(update_fields=["start", "end"])
    [exception] = acc.fetch(ids=[(moved.id, None)])
    assert exception.type == "Exception"
    assert exception.start == original + dt.timedelta(days=1)
    assert exception.recurrence_id == original
    [occurrence] = acc.fetch(ids=[(_view(acc)[3].id, None)])
    assert occurrence.type == "Occurrence" and occurrence.recurrence_id == occurrence.start

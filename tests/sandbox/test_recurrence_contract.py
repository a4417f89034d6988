"""Recurring events: expansion, instance ids, exceptions, cancelled instances."""

from __future__ import annotations

import pytest
from google_contract_helpers import ANN
from googleapiclient.errors import HttpError

WEEKLY = {
    "summary": "Weekly",
    "start": {"dateTime": "2024-03-04T09:00:00", "timeZone": "Europe/Berlin"},
    "end": {"dateTime": "2024-03-04T10:00:00", "timeZone": "Europe/Berlin"},
    "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=Europe/Berlin:20240311T090000"],
}


def test_expansion_keeps_wall_clock_across_dst_and_uses_google_ids(cal, sb):
    master = sb.calendar.insert_event(ANN, WEEKLY)
    items = (
        cal.events()
        .list(calendarId="primary", singleEvents=True, orderBy="startTime")
        .execute()["items"]
    )
    assert [i["id"] for i in items] == [
        f"{master['id']}_20240304T080000Z",  # CET
        f"{master['id']}_20240318T080000Z",
        f"{master['id']}_20240325T080000Z",
        f"{master['id']}_20240401T070000Z",  # CEST since 31 March: still 09:00 local
    ]  # 11 March is an EXDATE
    first = items[0]
    assert first["recurringEventId"] == master["id"]
    assert first["originalStartTime"] == {
        "dateTime": "2024-03-04T09:00:00+01:00",
        "timeZone": "Europe/Berlin",
    }
    assert items[3]["start"]["dateTime"] == "2024-04-01T09:00:00+02:00"
    masters = cal.events().list(calendarId="primary").execute()["items"]
    assert [m["id"] for m in masters] == [master["id"]] and masters[0]["recurrence"]


def test_recurring_needs_time_zone(cal):
    body = dict(
        WEEKLY, start={"dateTime": "2024-03-04T09:00:00Z"}, end={"dateTime": "2024-03-04T10:00:00Z"}
    )
    with pytest.raises(HttpError) as exc:
        cal.events().insert(calendarId="primary", body=body).execute()
    assert exc.value.resp.status == 400


def test_modified_and_cancelled_instances(cal, sb):
    master = sb.calendar.insert_event(ANN, WEEKLY)
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    single_token = (
        cal.events().list(calendarId="primary", singleEvents=True).execute()["nextSyncToken"]
    )
    moved_id = f"{master['id']}_20240318T080000Z"
    moved = (
        cal.events()
        .patch(
            calendarId="primary",
            eventId=moved_id,
            body={
                "summary": "Moved",
                "start": {"dateTime": "2024-03-19T09:00:00+01:00"},
                "end": {"dateTime": "2024-03-19T10:00:00+01:00"},
            },
        )
        .execute()
    )
    assert moved["id"] == moved_id and moved["recurringEventId"] == master["id"]
    assert moved["originalStartTime"]["dateTime"] == "2024-03-18T09:00:00+01:00"
    gone_id = f"{master['id']}_20240325T080000Z"
    cal.events().delete(calendarId="primary", eventId=gone_id).execute()

    inc = cal.events().list(calendarId="primary", syncToken=token).execute()["items"]
    by_id = {i["id"]: i for i in inc}
    assert set(by_id) == {moved_id, gone_id}  # master unchanged: only the exceptions
    assert by_id[gone_id]["status"] == "cancelled"
    assert by_id[gone_id]["recurringEventId"] == master["id"]

    inc1 = (
        cal.events()
        .list(calendarId="primary", singleEvents=True, syncToken=single_token)
        .execute()["items"]
    )
    assert {i["id"]: i["status"] for i in inc1} == {moved_id: "confirmed", gone_id: "cancelled"}

    expanded = (
        cal.events()
        .list(calendarId="primary", singleEvents=True, orderBy="startTime")
        .execute()["items"]
    )
    assert [i["id"] for i in expanded] == [
        f"{master['id']}_20240304T080000Z",
        moved_id,
        f"{master['id']}_20240401T070000Z",
    ]
    assert expanded[1]["summary"] == "Moved"
    # singleEvents=false: master plus exceptions; cancelled instance still listed (Google rule)
    plain = {i["id"] for i in cal.events().list(calendarId="primary").execute()["items"]}
    assert plain == {master["id"], moved_id, gone_id}

    inst = cal.events().instances(calendarId="primary", eventId=master["id"]).execute()
    assert [i["id"] for i in inst["items"]] == [
        f"{master['id']}_20240304T080000Z",
        moved_id,
        f"{master['id']}_20240401T070000Z",
    ]
    got = cal.events().get(calendarId="primary", eventId=gone_id).execute()
    assert got["status"] == "cancelled"


def test_deleting_series_and_shrinking_it(cal, sb):
    master = sb.calendar.insert_event(ANN, WEEKLY)
    token = cal.events().list(calendarId="primary", singleEvents=True).execute()["nextSyncToken"]
    sb.calendar.patch_event(ANN, master["id"], {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"]})
    inc = cal.events().list(calendarId="primary", singleEvents=True, syncToken=token).execute()
    status = {i["id"]: i["status"] for i in inc["items"]}
    assert status[f"{master['id']}_20240304T080000Z"] == "confirmed"
    assert status[f"{master['id']}_20240325T080000Z"] == "cancelled"
    assert status[f"{master['id']}_20240401T070000Z"] == "cancelled"
    sb.calendar.delete_event(ANN, master["id"])
    after = (
        cal.events()
        .list(calendarId="primary", singleEvents=True, syncToken=inc["nextSyncToken"])
        .execute()["items"]
    )
    assert [(i["id"], i["status"]) for i in after] == [(master["id"], "cancelled")]


def test_all_day_series(cal, sb):
    master = sb.calendar.insert_event(
        ANN,
        {
            "summary": "Birthday",
            "start": {"date": "2024-02-29"},
            "end": {"date": "2024-03-01"},
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
        },
    )
    items = cal.events().list(calendarId="primary", singleEvents=True).execute()["items"]
    assert [(i["id"], i["start"]["date"], i["end"]["date"]) for i in items] == [
        (f"{master['id']}_20240229", "2024-02-29", "2024-03-01"),
        (f"{master['id']}_20240301", "2024-03-01", "2024-03-02"),
        (f"{master['id']}_20240302", "2024-03-02", "2024-03-03"),
    ]
    assert items[0]["originalStartTime"] == {"date": "2024-02-29"}


def test_open_ended_series_bounded_by_time_max_and_horizon(cal, sb):
    sb.clock.set(__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").UTC))
    sb.calendar.insert_event(
        ANN,
        {
            "summary": "Daily",
            "start": {"dateTime": "2024-01-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2024-01-01T09:30:00", "timeZone": "UTC"},
            "recurrence": ["RRULE:FREQ=DAILY"],
        },
    )
    window = (
        cal.events()
        .list(
            calendarId="primary",
            singleEvents=True,
            timeMin="2024-02-01T00:00:00Z",
            timeMax="2024-02-08T00:00:00Z",
        )
        .execute()["items"]
    )
    assert len(window) == 7
    everything = (
        cal.events().list(calendarId="primary", singleEvents=True, maxResults=2500).execute()
    )
    assert len(everything["items"]) == 730  # up to 730 days past the sandbox clock


def test_unknown_instance_is_404(cal, sb):
    master = sb.calendar.insert_event(ANN, WEEKLY)
    with pytest.raises(HttpError) as exc:
        cal.events().get(
            calendarId="primary", eventId=f"{master['id']}_20240311T080000Z"
        ).execute()  # EXDATE
    assert exc.value.resp.status == 404

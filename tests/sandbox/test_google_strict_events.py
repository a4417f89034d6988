"""Issue 19: event resources as Google keeps, renders and validates them.

Driven with the real google-api-python-client.
"""

from __future__ import annotations

import pytest
from google_contract_helpers import ANN, calendar_api, error_of, event
from googleapiclient.errors import HttpError

T0, T1 = "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"


def _items(cal, **params) -> list[dict]:
    return cal.events().list(calendarId="primary", **params).execute()["items"]


# https://developers.google.com/calendar/api/v3/reference/events ("status": deleted events are
# only guaranteed an id; on the organizer's calendar Google keeps the event's details) and
# https://developers.google.com/calendar/api/v3/reference/events/list (showDeleted)
def test_deleted_event_on_organizers_calendar_keeps_its_fields(cal, sb):
    body = event(
        "Quarterly review",
        T0,
        T1,
        location="Room 4",
        description="Numbers",
        attendees=[{"email": "bob@globex.com"}],
        extendedProperties={"private": {"crm": "42"}},
    )
    ev = cal.events().insert(calendarId="primary", body=body).execute()
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    cal.events().delete(calendarId="primary", eventId=ev["id"]).execute()
    listed = {i["id"]: i for i in _items(cal, showDeleted=True)}[ev["id"]]
    incremental = {i["id"]: i for i in _items(cal, syncToken=token)}[ev["id"]]
    for got in (listed, incremental):
        assert got["status"] == "cancelled"
        assert got["summary"] == "Quarterly review" and got["location"] == "Room 4"
        assert got["start"] == {"dateTime": T0} and got["end"] == {"dateTime": T1}
        assert got["organizer"]["email"] == ANN and got["iCalUID"] == ev["iCalUID"]
        assert [a["email"] for a in got["attendees"]] == ["bob@globex.com"]
        assert got["extendedProperties"] == {"private": {"crm": "42"}}


# https://developers.google.com/calendar/api/v3/reference/events ("Cancelled exceptions are
# only guaranteed to have values for the id, recurringEventId and originalStartTime fields")
def test_cancelled_exception_still_carries_only_its_ids(cal, sb):
    master = (
        cal.events()
        .insert(
            calendarId="primary",
            body={
                "summary": "Weekly",
                "start": {"dateTime": "2024-05-06T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2024-05-06T10:00:00", "timeZone": "UTC"},
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
            },
        )
        .execute()
    )
    gone = f"{master['id']}_20240513T090000Z"
    cal.events().delete(calendarId="primary", eventId=gone).execute()
    got = {i["id"]: i for i in _items(cal, showDeleted=True)}[gone]
    assert set(got) == {"kind", "etag", "id", "status", "recurringEventId", "originalStartTime"}


# https://developers.google.com/calendar/api/v3/reference/events/list (timeZone: "Time zone
# used in the response"; the Events resource's timeZone: "The time zone of the calendar.")
def test_list_time_zone_parameter_applies_to_date_times_not_to_the_list_zone(cal, sb):
    cal.events().insert(calendarId="primary", body=event("A", T0, T1)).execute()
    page = cal.events().list(calendarId="primary", timeZone="America/Los_Angeles").execute()
    assert page["timeZone"] == "UTC"  # Ann's calendar zone, not the parameter echoed
    item = page["items"][0]
    assert item["start"] == {"dateTime": "2024-05-01T03:00:00-07:00"}
    assert item["end"] == {"dateTime": "2024-05-01T04:00:00-07:00"}
    plain = cal.events().list(calendarId="primary").execute()["items"][0]
    assert plain["start"] == {"dateTime": T0}


# https://developers.google.com/calendar/api/v3/reference/events/get (timeZone) and
# https://developers.google.com/calendar/api/v3/reference/events/instances (timeZone)
def test_get_and_instances_apply_the_time_zone_parameter(cal, sb):
    body = {
        "summary": "Weekly",
        "start": {"dateTime": "2024-05-06T09:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2024-05-06T10:00:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=2"],
    }
    master = cal.events().insert(calendarId="primary", body=body).execute()
    assert master["start"]["dateTime"] == "2024-05-06T09:00:00+02:00"
    got = cal.events().get(calendarId="primary", eventId=master["id"], timeZone="Asia/Tokyo")
    got = got.execute()
    assert got["start"] == {"dateTime": "2024-05-06T16:00:00+09:00", "timeZone": "Europe/Berlin"}
    inst = cal.events().instances(calendarId="primary", eventId=master["id"], timeZone="UTC")
    first = inst.execute()["items"][0]
    assert first["start"]["dateTime"] == "2024-05-06T07:00:00Z"
    assert first["originalStartTime"]["dateTime"] == "2024-05-06T07:00:00Z"


# https://developers.google.com/calendar/api/v3/reference/events/list (timeZone)
def test_unknown_time_zone_parameter_is_400(cal):
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", timeZone="Mars/Olympus").execute()
    assert exc.value.resp.status == 400


def _window(cal, start: str, end: str) -> list[str]:
    page = cal.events().list(calendarId="primary", timeMin=start, timeMax=end, singleEvents=True)
    return [e["summary"] for e in page.execute()["items"]]


# https://developers.google.com/calendar/api/v3/reference/events (start.date: "The date, in
# the format yyyy-mm-dd, if this is an all-day event"; an all-day event spans its date in the
# calendar's time zone) and events/list (timeMin/timeMax filter by the event's span)
def test_all_day_event_covers_its_date_in_the_calendars_zone(google_sandbox):
    sb = google_sandbox
    sb.short_pages.rate = 0.0
    sb.add_user("la@acme.com", time_zone="America/Los_Angeles")
    cal = calendar_api(sb, "la@acme.com")
    day = {"start": {"date": "2024-05-10"}, "end": {"date": "2024-05-11"}}
    cal.events().insert(calendarId="primary", body={"summary": "Holiday", **day}).execute()
    weekly = {
        "summary": "Weekly off",
        "start": {"date": "2024-05-03"},
        "end": {"date": "2024-05-04"},
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"],
    }
    cal.events().insert(calendarId="primary", body=weekly).execute()
    # 9 May 18:00-23:00 in Los Angeles is 10 May 01:00-06:00 UTC: before the day begins there
    assert _window(cal, "2024-05-09T18:00:00-07:00", "2024-05-09T23:00:00-07:00") == []
    # 10 May 08:00 in Los Angeles is inside both the one-off and the weekly instance
    got = _window(cal, "2024-05-10T08:00:00-07:00", "2024-05-10T09:00:00-07:00")
    assert sorted(got) == ["Holiday", "Weekly off"]
    # 11 May 00:30 Los Angeles (07:30 UTC): the day is over there
    assert _window(cal, "2024-05-11T00:30:00-07:00", "2024-05-11T01:00:00-07:00") == []


# https://developers.google.com/calendar/api/v3/reference/events/insert (attendees[].email:
# "The attendee's email address ... must be a valid email address as per RFC5322") and
# https://developers.google.com/calendar/api/guides/errors#400_bad_request
@pytest.mark.parametrize("bad", ["bob@", "@globex.com", "bob smith@globex.com", "a..b@x.com"])
def test_insert_and_patch_refuse_attendees_that_are_not_rfc5322_addresses(cal, bad):
    with pytest.raises(HttpError) as exc:
        body = event("A", T0, T1, attendees=[{"email": bad}])
        cal.events().insert(calendarId="primary", body=body).execute()
    assert exc.value.resp.status == 400
    assert error_of(exc.value)["errors"][0]["reason"] == "invalid"
    ev = cal.events().insert(calendarId="primary", body=event("B", T0, T1)).execute()
    with pytest.raises(HttpError) as exc:
        patch = {"attendees": [{"email": "ok@globex.com"}, {"email": bad}]}
        cal.events().patch(calendarId="primary", eventId=ev["id"], body=patch).execute()
    assert exc.value.resp.status == 400
    assert "attendees" not in cal.events().get(calendarId="primary", eventId=ev["id"]).execute()


# https://developers.google.com/calendar/api/v3/reference/events/insert (RFC 5322 addresses)
def test_unusual_but_valid_addresses_are_accepted(cal):
    good = ["o'brien+crm@globex.co.uk", '"bob smith"@globex.com', "x@[10.0.0.1]"]
    body = event("A", T0, T1, attendees=[{"email": g} for g in good])
    ev = cal.events().insert(calendarId="primary", body=body).execute()
    assert [a["email"] for a in ev["attendees"]] == good


# https://developers.google.com/calendar/api/guides/extended-properties ("The maximum size of a
# property's key is 44 characters, and properties with longer keys will be silently dropped.
# The maximum size of a property's value is 1024 characters, and properties with longer
# values will be silently truncated.")
def test_extended_properties_follow_googles_limits(cal):
    props = {
        "private": {"k" * 44: "v" * 1500, "k" * 45: "gone", "crm": "1"},
        "shared": {"s" * 45: "gone", "ok": "x" * 1024},
    }
    ev = (
        cal.events()
        .insert(calendarId="primary", body=event("A", T0, T1, extendedProperties=props))
        .execute()
    )
    want = {"private": {"k" * 44: "v" * 1024, "crm": "1"}, "shared": {"ok": "x" * 1024}}
    assert ev["extendedProperties"] == want
    got = cal.events().get(calendarId="primary", eventId=ev["id"]).execute()
    assert got["extendedProperties"] == want
    patched = (
        cal.events()
        .patch(
            calendarId="primary",
            eventId=ev["id"],
            body={"extendedProperties": {"private": {"p" * 50: "x", "crm": "2" * 2000}}},
        )
        .execute()
    )
    assert patched["extendedProperties"]["private"] == {"k" * 44: "v" * 1024, "crm": "2" * 1024}


def _patch(cal, event_id: str, body: dict) -> dict:
    return cal.events().patch(calendarId="primary", eventId=event_id, body=body).execute()


# https://developers.google.com/calendar/api/v3/reference/events/patch (patch semantics:
# fields not sent are unchanged, arrays are replaced) and
# https://developers.google.com/calendar/api/guides/performance#patch (a nested object such as
# start is merged field by field; null deletes a field)
def test_patch_merges_start_and_end_so_date_alone_mixes_and_is_400(cal):
    ev = cal.events().insert(calendarId="primary", body=event("A", T0, T1)).execute()
    day = {"start": {"date": "2024-05-01"}, "end": {"date": "2024-05-02"}}
    with pytest.raises(HttpError) as exc:
        _patch(cal, ev["id"], day)
    assert exc.value.resp.status == 400
    assert cal.events().get(calendarId="primary", eventId=ev["id"]).execute()["start"] == {
        "dateTime": T0
    }


# https://developers.google.com/calendar/api/guides/performance#patch (null deletes a field)
def test_switching_between_timed_and_all_day_needs_the_other_field_null(cal):
    ev = cal.events().insert(calendarId="primary", body=event("A", T0, T1)).execute()
    to_day = {
        "start": {"date": "2024-05-01", "dateTime": None},
        "end": {"date": "2024-05-02", "dateTime": None},
    }
    got = _patch(cal, ev["id"], to_day)
    assert got["start"] == {"date": "2024-05-01"} and got["end"] == {"date": "2024-05-02"}
    with pytest.raises(HttpError):  # dateTime alone is merged into the stored date
        _patch(cal, ev["id"], {"start": {"dateTime": T0}, "end": {"dateTime": T1}})
    back = {
        "start": {"dateTime": T0, "date": None},
        "end": {"dateTime": T1, "date": None},
    }
    got = _patch(cal, ev["id"], back)
    assert got["start"] == {"dateTime": T0} and got["end"] == {"dateTime": T1}


# https://developers.google.com/calendar/api/v3/reference/events/patch (merge): a timed patch
# keeps the stored timeZone when it sends none
def test_patch_of_date_time_keeps_the_stored_time_zone(cal):
    body = {
        "summary": "B",
        "start": {"dateTime": "2024-05-01T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2024-05-01T11:00:00", "timeZone": "Europe/Berlin"},
    }
    ev = cal.events().insert(calendarId="primary", body=body).execute()
    got = _patch(cal, ev["id"], {"start": {"dateTime": "2024-05-01T09:30:00+02:00"}})
    assert got["start"] == {"dateTime": "2024-05-01T09:30:00+02:00", "timeZone": "Europe/Berlin"}

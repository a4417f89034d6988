"""Issue 19: Calendar sync tokens and updatedMin fail the way Google fails them.

Driven with the real google-api-python-client.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from google_contract_helpers import ANN, calendar_api, error_of, event
from googleapiclient.errors import HttpError

FULL_SYNC = {
    "domain": "calendar",
    "reason": "fullSyncRequired",
    "message": "Sync token is no longer valid, a full sync is required.",
    "locationType": "parameter",
    "location": "syncToken",
}


def _list_error(cal, **params) -> tuple[int, dict]:
    with pytest.raises(HttpError) as exc:
        cal.events().list(calendarId="primary", **params).execute()
    return exc.value.resp.status, error_of(exc.value)


# https://developers.google.com/calendar/api/guides/errors#410_gone
# https://developers.google.com/calendar/api/guides/sync ("If the sync token is invalid or
# expired, the server responds with 410 Gone"; the client then wipes its store and syncs fully)
@pytest.mark.parametrize("token", ["not-a-token", "AAAAAAAAAAAAAAAAAAAAAAAA", "x" * 60])
def test_corrupted_or_unknown_sync_token_is_410_full_sync_required(cal, token):
    status, err = _list_error(cal, syncToken=token)
    assert status == 410
    assert err["errors"] == [FULL_SYNC]
    assert err["message"] == FULL_SYNC["message"]


# https://developers.google.com/calendar/api/guides/errors#410_gone
def test_sync_token_of_another_calendar_is_410(cal, sb):
    sb.calendar.add_calendar(ANN, "team@group.calendar.google.com", "Team")
    other = cal.events().list(calendarId="team@group.calendar.google.com").execute()
    status, err = _list_error(cal, syncToken=other["nextSyncToken"])
    assert (status, err["errors"]) == (410, [FULL_SYNC])


# https://developers.google.com/calendar/api/guides/errors#410_gone
def test_expired_sync_token_body_names_calendar_domain_and_location(cal, sb):
    token = cal.events().list(calendarId="primary").execute()["nextSyncToken"]
    sb.sync_token_ttl = 600
    sb.clock.advance(601)
    status, err = _list_error(cal, syncToken=token)
    assert status == 410
    assert err == {"errors": [FULL_SYNC], "code": 410, "message": FULL_SYNC["message"]}


# https://developers.google.com/calendar/api/guides/errors#410_gone (updatedMinTooLongAgo:
# "The requested minimum modification time lies too far in the past.")
def test_updated_min_too_long_ago_is_410(cal, sb):
    cal.events().insert(
        calendarId="primary", body=event("A", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z")
    ).execute()
    recent = (sb.clock.now().replace(microsecond=0) - timedelta(days=1)).isoformat()
    assert cal.events().list(calendarId="primary", updatedMin=recent).execute()["items"]
    sb.clock.advance(days=60)
    status, err = _list_error(calendar_api(sb), updatedMin=recent)
    assert status == 410
    assert err["errors"] == [
        {
            "domain": "calendar",
            "reason": "updatedMinTooLongAgo",
            "message": "The requested minimum modification time lies too far in the past.",
            "locationType": "parameter",
            "location": "updatedMin",
        }
    ]


# https://developers.google.com/calendar/api/guides/errors#400_bad_request (timeRangeEmpty)
@pytest.mark.parametrize("end", ["2024-05-01T10:00:00Z", "2024-05-01T09:00:00Z"])
def test_empty_time_range_body_is_googles(cal, end):
    status, err = _list_error(cal, timeMin="2024-05-01T10:00:00Z", timeMax=end)
    assert status == 400
    assert err == {
        "errors": [
            {
                "domain": "calendar",
                "reason": "timeRangeEmpty",
                "message": "The specified time range is empty.",
                "locationType": "parameter",
                "location": "timeMax",
            }
        ],
        "code": 400,
        "message": "The specified time range is empty.",
    }

"""Issue 19: Calendar batches take up to 1,000 calls, Gmail's stay at 100.

Driven with google-api-python-client's BatchHttpRequest (which itself refuses more than
1,000 calls, so the 1,001-call batch is written by hand).
"""

from __future__ import annotations

import json

import httplib2
from google_contract_helpers import ANN, CAL, credentials, event
from googleapiclient.http import BatchHttpRequest


def _calendar_batch(sb, cal, n: int) -> dict:
    got: dict = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: got.__setitem__(rid, (resp, exc)),
        batch_uri=f"{sb.base_url}/batch/calendar/v3",
    )
    for _ in range(n):
        batch.add(cal.events().list(calendarId="primary", maxResults=1))
    batch.execute()
    return got


# https://developers.google.com/calendar/api/guides/batch ("You're limited to 1000 calls in a
# single batch request. If you need to make more calls than that, use multiple batch
# requests.")
def test_a_calendar_batch_takes_1000_calls(cal, sb):
    sb.calendar.insert_event(ANN, event("a", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"))
    sb.quota.enabled = False  # 1,000 calls in a second are past the per-minute quota
    got = _calendar_batch(sb, cal, 1000)
    assert len(got) == 1000 and all(exc is None for _, exc in got.values())
    assert sb.calls(ANN)["calendar.events.list"] == 1000


def _raw_batch(sb, path: str, token: str, n: int, target: str) -> tuple[int, dict]:
    parts = "".join(
        f"--b\r\nContent-Type: application/http\r\nContent-ID: <{i}>\r\n\r\nGET {target}\r\n\r\n"
        for i in range(n)
    )
    resp, content = httplib2.Http(timeout=30).request(
        f"{sb.base_url}{path}",
        "POST",
        body=parts + "--b--\r\n",
        headers={
            "Content-Type": "multipart/mixed; boundary=b",
            "Authorization": f"Bearer {token}",
        },
    )
    return resp.status, json.loads(content) if resp.status >= 400 else {}


# https://developers.google.com/calendar/api/guides/batch (1000 calls at most)
def test_a_calendar_batch_of_1001_calls_is_refused_whole(sb):
    token = credentials(sb, ANN, [CAL]).token
    status, body = _raw_batch(
        sb, "/batch/calendar/v3", token, 1001, "/calendar/v3/calendars/primary/events"
    )
    assert status == 400 and "1000" in body["error"]["message"]
    assert sb.calls(ANN) == {}


# https://developers.google.com/gmail/api/guides/batch ("You're limited to 100 calls in a
# single batch request.")
def test_a_gmail_batch_still_stops_at_100(sb):
    token = credentials(sb, ANN, ["https://www.googleapis.com/auth/gmail.readonly"]).token
    status, body = _raw_batch(sb, "/batch/gmail/v1", token, 101, "/gmail/v1/users/me/profile")
    assert status == 400 and "100" in body["error"]["message"]
    status, _ = _raw_batch(sb, "/batch/gmail/v1", token, 100, "/gmail/v1/users/me/profile")
    assert status == 200

"""Issue 19: Gmail history ids, per-user rate limits and the batch concurrency limit.

Driven with the real google-api-python-client.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from google_contract_helpers import ANN, error_of
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest


def _mail(sb, n: int) -> list[str]:
    return [
        sb.gmail.add_message(
            ANN,
            from_="hank@globex.com",
            to=[ANN],
            subject=f"m{i}",
            body_text="hi",
            date=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(minutes=i),
        )["id"]
        for i in range(n)
    ]


# https://developers.google.com/gmail/api/reference/rest/v1/users.history/list (startHistoryId:
# "History IDs increase chronologically but are not contiguous with random gaps in between
# valid IDs.")
def test_history_ids_rise_with_gaps(gmail, sb):
    start = int(gmail.users().getProfile(userId="me").execute()["historyId"])
    _mail(sb, 20)
    hist = gmail.users().history().list(userId="me", startHistoryId=str(start)).execute()
    ids = [start] + [int(h["id"]) for h in hist["history"]]
    steps = [b - a for a, b in zip(ids, ids[1:], strict=False)]
    assert all(s >= 1 for s in steps) and any(s > 1 for s in steps), steps
    assert ids[-1] == int(hist["historyId"])
    # any id between two valid ones is a valid start too: it returns what came after it
    gap = next(i for i, s in enumerate(steps) if s > 1)
    inside = ids[gap] + 1
    later = gmail.users().history().list(userId="me", startHistoryId=str(inside)).execute()
    assert [int(h["id"]) for h in later["history"]] == ids[gap + 1 :]


# https://developers.google.com/gmail/api/reference/quota (per-user rate limit) and
# https://developers.google.com/gmail/api/guides/handle-errors#resolve_a_403_error_user_rate_limit_exceeded
def test_per_user_quota_breach_is_403_user_rate_limit_without_retry_after(gmail, sb):
    sb.quota.gmail_units_per_minute = 5
    gmail.users().messages().list(userId="me").execute()
    with pytest.raises(HttpError) as exc:
        gmail.users().messages().list(userId="me").execute()
    assert exc.value.resp.status == 403
    assert "retry-after" not in exc.value.resp
    err = error_of(exc.value)
    assert err["errors"] == [
        {
            "domain": "usageLimits",
            "reason": "userRateLimitExceeded",
            "message": "User Rate Limit Exceeded",
        }
    ]
    assert err["code"] == 403 and err["message"] == "User Rate Limit Exceeded"


# https://developers.google.com/gmail/api/guides/handle-errors#exponential-backoff (the client
# backs off on its own; a Retry-After is a courtesy the knob turns on)
def test_retry_after_is_a_knob(gmail, sb):
    sb.quota.gmail_units_per_minute = 5
    sb.quota.retry_after = True
    gmail.users().messages().list(userId="me").execute()
    with pytest.raises(HttpError) as exc:
        gmail.users().messages().list(userId="me").execute()
    assert int(exc.value.resp["retry-after"]) > 0


# https://developers.google.com/gmail/api/guides/handle-errors (429 too many requests: Gmail
# also limits the concurrent requests of one user, a batch's calls among them) and
# https://developers.google.com/gmail/api/guides/batch
def test_the_concurrent_limit_of_a_batch_is_on_by_default(gmail, sb):
    ids = _mail(sb, 12)
    got: dict = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: got.__setitem__(rid, (resp, exc)),
        batch_uri=f"{sb.base_url}/batch/gmail/v1",
    )
    for i in ids:
        batch.add(gmail.users().messages().get(userId="me", id=i))
    batch.execute()
    refused = [n for n in range(1, 13) if got[str(n)][1] is not None]
    assert refused == [11, 12]
    error = json.loads(got["11"][1].content)["error"]
    assert error["message"] == "Too many concurrent requests for user."
    assert sb.quota.gmail_concurrent == 10

"""A Google rate limit that names no wait (Retry-After is not promised) is retried with
exponential backoff before the run gives up as throttled (issue 19.11).

https://developers.google.com/gmail/api/guides/handle-errors#exponential-backoff and
https://developers.google.com/calendar/api/guides/errors#403_rate_limit_exceeded
"""

from __future__ import annotations

import pytest
from flask import current_app

from plugin.sync.errors import Throttled
from plugin.sync.providers.google import google_config
from plugin.sync.providers.google.http import GoogleHttp

ANN = "ann@acme.com"


def _http(sb, sleeps: list[float], clear_after: int | None) -> GoogleHttp:
    """GoogleHttp whose sleeps are recorded; after `clear_after` of them the sandbox's quota
    minute has passed (the clock moves while we wait)."""
    sb.add_user(ANN)
    token = sb.issue_token(ANN, client_id="crm-test")
    token["expires_at"] = 2**40

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if clear_after is not None and len(sleeps) >= clear_after:
            sb.clock.advance(61)

    return GoogleHttp(google_config(current_app.config), token, sleep=sleep)


@pytest.mark.parametrize("status", [403, 429])
def test_gmail_rate_limit_without_retry_after_is_retried_with_growing_waits(sb, app, status):
    sleeps: list[float] = []
    http = _http(sb, sleeps, clear_after=2)
    sb.quota.gmail_units_per_minute, sb.quota.gmail_status = 1, status
    url = f"{http.config.gmail_url}/users/me/profile"
    http.get(url)  # spends the minute's only unit
    assert http.get(url)["emailAddress"] == ANN  # after two backoffs the minute is over
    base = http.config.retry_base_delay
    assert len(sleeps) == 2
    assert base * 0.5 <= sleeps[0] <= base * 1.5 and 2 * base * 0.5 <= sleeps[1] <= 2 * base * 1.5


def test_calendar_rate_limit_that_never_lifts_ends_as_throttled(sb, app):
    sleeps: list[float] = []
    http = _http(sb, sleeps, clear_after=None)
    sb.quota.calendar_per_minute = 1
    url = f"{http.config.calendar_url}/users/me/calendarList"
    http.get(url)
    with pytest.raises(Throttled) as caught:
        http.get(url)
    assert caught.value.retry_after is None  # Google named no wait: the engine picks one
    assert len(sleeps) == http.config.retry_attempts - 1
    assert sb.calls(ANN)["calendar.calendarList.list"] == 1 + http.config.retry_attempts


def test_a_named_wait_is_not_slept_through_but_handed_to_the_engine(sb, app):
    sleeps: list[float] = []
    http = _http(sb, sleeps, clear_after=None)
    sb.quota.calendar_per_minute, sb.quota.retry_after = 1, True
    url = f"{http.config.calendar_url}/users/me/calendarList"
    http.get(url)
    with pytest.raises(Throttled) as caught:
        http.get(url)
    assert caught.value.retry_after == 60 and sleeps == []

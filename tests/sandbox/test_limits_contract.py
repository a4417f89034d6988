"""Auth expiry and revocation, scopes, quotas, injected faults, unreachable mode."""

from __future__ import annotations

import pytest
import requests
from google_contract_helpers import (
    ANN,
    CAL,
    calendar_api,
    credentials,
    error_of,
    gmail_api,
)
from googleapiclient.errors import HttpError


def test_expired_access_token_is_401_with_google_body(sb):
    tok = sb.issue_token(ANN, [CAL])
    sb.clock.advance(3600)
    resp = requests.get(
        f"{sb.base_url}/calendar/v3/users/me/calendarList",
        timeout=5,
        headers={"Authorization": f"Bearer {tok['access_token']}"},
    )
    assert resp.status_code == 401
    assert "invalid_token" in resp.headers["WWW-Authenticate"]
    assert resp.json()["error"]["errors"] == [
        {
            "message": "Invalid Credentials",
            "domain": "global",
            "reason": "authError",
            "location": "Authorization",
            "locationType": "header",
        }
    ]
    assert resp.json()["error"]["status"] == "UNAUTHENTICATED"
    missing = requests.get(f"{sb.base_url}/gmail/v1/users/me/profile", timeout=5)
    assert missing.status_code == 401


def test_google_auth_refreshes_after_401(sb):
    creds = credentials(sb, ANN, [CAL], refresh=True)
    cal = calendar_api(sb, creds=creds)
    cal.calendarList().list().execute()
    old = creds.token
    sb.expire_access_tokens(ANN)
    cal.calendarList().list().execute()  # 401 -> refresh at /token -> retry
    assert creds.token != old
    sb.revoke(creds.refresh_token)
    with pytest.raises(Exception) as exc:  # google.auth RefreshError: invalid_grant
        cal.calendarList().list().execute()
    assert "invalid_grant" in str(exc.value)


def test_scope_separation_between_calendar_and_gmail(sb):
    only_cal = gmail_api(sb, ANN, scopes=[CAL])
    with pytest.raises(HttpError) as exc:
        only_cal.users().getProfile(userId="me").execute()
    assert exc.value.resp.status == 403
    err = error_of(exc.value)
    assert err["status"] == "PERMISSION_DENIED"
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    only_mail = calendar_api(sb, ANN, scopes=["https://www.googleapis.com/auth/gmail.readonly"])
    with pytest.raises(HttpError) as exc2:
        only_mail.events().list(calendarId="primary").execute()
    assert exc2.value.resp.status == 403


def test_calendar_rate_limit_403_then_429_with_retry_after(cal, sb):
    sb.quota.retry_after = True  # a knob: Google does not promise the header
    sb.quota.calendar_per_minute = 3
    for _ in range(3):
        cal.calendarList().list().execute()
    with pytest.raises(HttpError) as exc:
        cal.calendarList().list().execute()
    assert exc.value.resp.status == 403
    assert exc.value.resp["retry-after"] == "60"
    assert error_of(exc.value) == {
        "errors": [
            {
                "domain": "usageLimits",
                "reason": "rateLimitExceeded",
                "message": "Rate Limit Exceeded",
            }
        ],
        "code": 403,
        "message": "Rate Limit Exceeded",
    }
    sb.quota.calendar_status = 429
    with pytest.raises(HttpError) as exc429:
        cal.calendarList().list().execute()
    assert exc429.value.resp.status == 429
    sb.clock.advance(61)
    cal.calendarList().list().execute()


def test_gmail_quota_units_per_method(gmail, sb):
    sb.quota.gmail_units_per_minute = 12
    gmail.users().messages().list(userId="me").execute()  # 5
    gmail.users().history().list(userId="me", startHistoryId="1000").execute()  # 2
    gmail.users().messages().list(userId="me").execute()  # 5 -> 12
    with pytest.raises(HttpError) as exc:
        gmail.users().getProfile(userId="me").execute()  # 1 more: over
    assert exc.value.resp.status == 403
    assert error_of(exc.value)["errors"][0]["reason"] == "userRateLimitExceeded"
    sb.quota.gmail_status, sb.quota.retry_after = 429, True
    with pytest.raises(HttpError) as exc:
        gmail.users().getProfile(userId="me").execute()
    assert exc.value.resp.status == 429
    assert "retry-after" in exc.value.resp
    err = error_of(exc.value)
    assert err["status"] == "RESOURCE_EXHAUSTED"
    assert err["errors"][0]["reason"] == "rateLimitExceeded"
    assert sb.calls(ANN) == {
        "gmail.users.messages.list": 2,
        "gmail.users.history.list": 1,
        "gmail.users.getProfile": 2,
    }


def test_scripted_and_random_server_errors(cal, sb):
    sb.faults.fail_next(2, status=503, method="calendar.events.list")
    for _ in range(2):
        with pytest.raises(HttpError) as exc:
            cal.events().list(calendarId="primary").execute()
        assert exc.value.resp.status == 503
    cal.events().list(calendarId="primary").execute()
    sb.faults.fail_next(1, status=500)
    with pytest.raises(HttpError) as exc500:
        cal.calendarList().list().execute()
    assert error_of(exc500.value)["errors"][0]["reason"] == "backendError"
    sb.faults.error_rate = 1.0
    with pytest.raises(HttpError):
        cal.calendarList().list().execute()


def test_token_endpoint_faults(sb):
    sb.faults.fail_next(1, status=503, method="oauth.token")
    resp = requests.post(f"{sb.base_url}/token", data={"grant_type": "refresh_token"}, timeout=5)
    assert resp.status_code == 503


def test_unreachable_modes(sb):
    url = f"{sb.base_url}/calendar/v3/users/me/calendarList"
    sb.set_unreachable("closed")
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    assert requests.get(f"{sb.base_url}/_sandbox/faults", timeout=5).status_code == 200
    sb.set_unreachable("refused")
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    sb.set_unreachable(None)
    assert requests.get(url, timeout=5).status_code == 401


def test_control_plane_over_http(sb):
    base = f"{sb.base_url}/_sandbox"
    requests.post(f"{base}/users", json={"email": "bob@acme.com", "name": "Bob"}, timeout=5)
    tok = requests.post(f"{base}/tokens", json={"email": "bob@acme.com"}, timeout=5).json()
    ev = requests.post(
        f"{base}/calendar/bob@acme.com/events",
        timeout=5,
        json={
            "summary": "x",
            "start": {"dateTime": "2024-05-01T10:00:00Z"},
            "end": {"dateTime": "2024-05-01T11:00:00Z"},
        },
    ).json()
    listed = requests.get(
        f"{sb.base_url}/calendar/v3/calendars/primary/events",
        timeout=5,
        headers={"Authorization": f"Bearer {tok['access_token']}"},
    ).json()
    assert [i["id"] for i in listed["items"]] == [ev["id"]]
    calls = requests.get(f"{base}/calls", params={"email": "bob@acme.com"}, timeout=5).json()
    assert calls == {"calendar.events.list": 1}
    clock = requests.post(f"{base}/clock", json={"advance": 3600}, timeout=5).json()
    assert clock["frozen"] is True
    msg = requests.post(
        f"{base}/gmail/bob@acme.com/messages",
        timeout=5,
        json={
            "from": "hank@globex.com",
            "to": ["bob@acme.com"],
            "subject": "hi",
            "body_text": "yo",
        },
    ).json()
    assert msg["labelIds"] == ["INBOX", "UNREAD"]
    faults = requests.post(f"{base}/faults", json={"fail_next": {"count": 1}}, timeout=5)
    assert faults.json()["pending_failures"] == 1
    assert (
        requests.post(f"{base}/faults", json={"reset": True}, timeout=5).json()["pending_failures"]
        == 0
    )

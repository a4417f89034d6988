"""Issue 19: refresh tokens age and are capped as Google's are; 401 bodies as Google's.

Driven with google-auth (refresh) and google-api-python-client.
"""

from __future__ import annotations

import google.auth.exceptions
import google.auth.transport.requests
import google.oauth2.credentials
import pytest
import requests
from google_contract_helpers import ANN, CAL, calendar_api

CLIENT, SECRET = "sandbox-test-client", "sandbox-test-secret"


def _creds(sb, tok: dict) -> google.oauth2.credentials.Credentials:
    return google.oauth2.credentials.Credentials(
        None,
        refresh_token=tok["refresh_token"],
        token_uri=f"{sb.base_url}/token",
        client_id=CLIENT,
        client_secret=SECRET,
    )


def _refresh(sb, tok: dict) -> None:
    _creds(sb, tok).refresh(google.auth.transport.requests.Request())


# https://developers.google.com/identity/protocols/oauth2#expiration ("The refresh token has
# not been used for six months.")
def test_a_refresh_token_unused_for_six_months_stops_working(sb):
    tok = sb.issue_token(ANN, [CAL])
    sb.clock.advance(days=150)
    _refresh(sb, tok)  # used: the six months start again
    sb.clock.advance(days=150)
    _refresh(sb, tok)
    sb.clock.advance(days=184)
    with pytest.raises(google.auth.exceptions.RefreshError) as exc:
        _refresh(sb, tok)
    assert "invalid_grant" in str(exc.value)


# https://developers.google.com/identity/protocols/oauth2#expiration ("There is currently a
# limit of 100 refresh tokens per Google Account per OAuth 2.0 client ID. If the limit is
# reached, creating a new refresh token automatically invalidates the oldest refresh token
# without warning.")
def test_the_101st_refresh_token_retires_the_oldest(sb):
    tokens = [sb.issue_token(ANN, [CAL]) for _ in range(100)]
    for tok in (tokens[0], tokens[-1]):
        _refresh(sb, tok)
    newest = sb.issue_token(ANN, [CAL])
    with pytest.raises(google.auth.exceptions.RefreshError) as exc:
        _refresh(sb, tokens[0])
    assert "invalid_grant" in str(exc.value)
    for tok in (tokens[1], tokens[-1], newest):  # only the oldest went; the grant stays
        _refresh(sb, tok)
    sb.add_client("other-client", "s", ["http://127.0.0.1/cb"])
    sb.issue_token(ANN, [CAL], client_id="other-client")  # another client: its own 100
    _refresh(sb, tokens[1])


# https://developers.google.com/calendar/api/guides/errors#401_invalid_credentials
def test_401_body_is_googles_invalid_credentials(sb):
    tok = sb.issue_token(ANN, [CAL])
    sb.expire_access_tokens(ANN)
    resp = requests.get(
        f"{sb.base_url}/calendar/v3/users/me/calendarList",
        headers={"Authorization": f"Bearer {tok['access_token']}"},
        timeout=5,
    )
    assert resp.status_code == 401
    err = resp.json()["error"]
    assert err["code"] == 401 and err["message"] == "Invalid Credentials"
    assert err["errors"] == [
        {
            "domain": "global",
            "reason": "authError",
            "message": "Invalid Credentials",
            "locationType": "header",
            "location": "Authorization",
        }
    ]
    assert calendar_api(sb).calendarList().list().execute()["items"]  # a fresh token works

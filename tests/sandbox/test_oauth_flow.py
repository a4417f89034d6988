"""OAuth 2 as Google runs it, driven with Authlib's requests OAuth2Session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from google_contract_helpers import ANN, CAL, FormParser
from joserfc import jwt
from joserfc.jwk import KeySet

CLIENT, SECRET, REDIRECT = "crm-client", "crm-secret", "http://localhost:5000/oauth/callback"
SCOPE = f"openid email profile {CAL}"


@pytest.fixture
def client(sb):
    sb.add_client(CLIENT, SECRET, [REDIRECT], name="CRM Sync")
    return sb


def session(sb, **kw) -> OAuth2Session:
    return OAuth2Session(
        CLIENT,
        SECRET,
        scope=SCOPE,
        redirect_uri=REDIRECT,
        token_endpoint_auth_method=kw.pop("auth", "client_secret_post"),
        **kw,
    )


def consent(url: str, email: str = ANN, password: str = "password", action: str = "allow"):
    """Drive the consent page like a browser: GET the form, POST it back."""
    page = requests.get(url, timeout=5)
    assert page.status_code == 200, page.text
    form = FormParser()
    form.feed(page.text)
    assert {"email", "password", "allow", "deny"} <= form.ids
    data = dict(form.fields) | {"email": email, "password": password, "action": action}
    data.pop("scope_selection", None)  # grant everything requested
    target = requests.compat.urljoin(url, form.action)
    return requests.post(target, data=data, allow_redirects=False, timeout=5)


def authorize(sb, oauth: OAuth2Session, **params) -> tuple[str, str]:
    verifier = "v" * 64
    url, state = oauth.create_authorization_url(
        f"{sb.base_url}/o/oauth2/v2/auth",
        code_verifier=verifier,
        access_type="offline",
        prompt="consent",
        nonce="n-123",
        **params,
    )
    resp = consent(url)
    assert resp.status_code == 302
    return resp.headers["Location"], verifier


def test_code_flow_with_pkce_refresh_and_revoke(client):
    sb = client
    oauth = session(sb, code_challenge_method="S256")
    location, verifier = authorize(sb, oauth)
    query = parse_qs(urlparse(location).query)
    assert location.startswith(REDIRECT) and "code" in query and "state" in query
    token = oauth.fetch_token(
        f"{sb.base_url}/token", authorization_response=location, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3599
    assert token["refresh_token"] and token["id_token"]
    assert "https://www.googleapis.com/auth/userinfo.email" in token["scope"].split()

    jwks = requests.get(f"{sb.base_url}/oauth2/v3/certs", timeout=5).json()
    claims = jwt.decode(token["id_token"], KeySet.import_key_set(jwks)).claims
    assert claims["email"] == ANN and claims["email_verified"] is True
    assert claims["aud"] == CLIENT and claims["nonce"] == "n-123"
    assert claims["iss"] == "https://accounts.google.com"

    info = oauth.get(f"{sb.base_url}/v1/userinfo").json()
    assert info["email"] == ANN and info["name"] == "Ann Lee" and info["sub"] == claims["sub"]

    refreshed = oauth.refresh_token(f"{sb.base_url}/token", refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]

    assert oauth.revoke_token(f"{sb.base_url}/revoke", token["refresh_token"]).status_code == 200
    again = requests.post(
        f"{sb.base_url}/token",
        timeout=5,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": CLIENT,
            "client_secret": SECRET,
        },
    )
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    # the access tokens of the grant died with it
    assert (
        oauth.get(
            f"{sb.base_url}/v1/userinfo",
            headers={"Authorization": f"Bearer {refreshed['access_token']}"},
        ).status_code
        == 401
    )


def test_client_secret_basic_and_code_single_use(client):
    sb = client
    oauth = session(sb, code_challenge_method="S256", auth="client_secret_basic")
    location, verifier = authorize(sb, oauth)
    token = oauth.fetch_token(
        f"{sb.base_url}/token", authorization_response=location, code_verifier=verifier
    )
    code = parse_qs(urlparse(location).query)["code"][0]
    replay = requests.post(
        f"{sb.base_url}/token",
        auth=(CLIENT, SECRET),
        timeout=5,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # Google revokes what a replayed code produced
    assert sb.state.access_tokens[token["access_token"]].revoked


def test_pkce_verifier_is_checked(client):
    sb = client
    oauth = session(sb, code_challenge_method="S256")
    location, _ = authorize(sb, oauth)
    code = parse_qs(urlparse(location).query)["code"][0]
    bad = requests.post(
        f"{sb.base_url}/token",
        timeout=5,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "client_secret": SECRET,
            "code_verifier": "w" * 64,
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(client):
    sb = client
    oauth = session(sb, code_challenge_method="S256")
    location, verifier = authorize(sb, oauth)
    sb.clock.advance(601)
    code = parse_qs(urlparse(location).query)["code"][0]
    late = requests.post(
        f"{sb.base_url}/token",
        timeout=5,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "client_secret": SECRET,
            "code_verifier": verifier,
        },
    )
    assert late.json() == {"error": "invalid_grant", "error_description": "Bad Request"}


def test_wrong_client_secret_is_401(client):
    resp = requests.post(
        f"{client.base_url}/token",
        timeout=5,
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "client_id": CLIENT,
            "client_secret": "nope",
        },
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_redirect_uri_mismatch_is_an_error_page_not_a_redirect(client):
    url = (
        f"{client.base_url}/o/oauth2/v2/auth?client_id={CLIENT}&response_type=code"
        f"&scope=openid&redirect_uri=https://evil.example/cb"
    )
    resp = requests.get(url, allow_redirects=False, timeout=5)
    assert resp.status_code == 400 and "redirect_uri_mismatch" in resp.text
    unknown = requests.get(url.replace(CLIENT, "who"), allow_redirects=False, timeout=5)
    assert unknown.status_code == 401 and "invalid_client" in unknown.text


def test_deny_and_wrong_password(client):
    sb = client
    oauth = session(sb)
    url, state = oauth.create_authorization_url(f"{sb.base_url}/o/oauth2/v2/auth")
    wrong = consent(url, password="bad")
    assert wrong.status_code == 200 and "Wrong password" in wrong.text
    denied = consent(url, action="deny")
    assert denied.status_code == 302
    assert parse_qs(urlparse(denied.headers["Location"]).query) == {
        "error": ["access_denied"],
        "state": [state],
    }


def test_refresh_token_only_offline_and_on_first_consent(client):
    sb = client
    oauth = session(sb)
    url, _ = oauth.create_authorization_url(f"{sb.base_url}/o/oauth2/v2/auth")
    online = oauth.fetch_token(
        f"{sb.base_url}/token", authorization_response=consent(url).headers["Location"]
    )
    assert "refresh_token" not in online
    url, _ = oauth.create_authorization_url(
        f"{sb.base_url}/o/oauth2/v2/auth", access_type="offline"
    )
    first = oauth.fetch_token(
        f"{sb.base_url}/token", authorization_response=consent(url).headers["Location"]
    )
    assert "refresh_token" in first
    url, _ = oauth.create_authorization_url(
        f"{sb.base_url}/o/oauth2/v2/auth", access_type="offline"
    )
    second = oauth.fetch_token(
        f"{sb.base_url}/token", authorization_response=consent(url).headers["Location"]
    )
    assert "refresh_token" not in second  # Google: only with prompt=consent


def test_openid_configuration(client):
    conf = requests.get(f"{client.base_url}/.well-known/openid-configuration", timeout=5).json()
    assert conf["token_endpoint"] == f"{client.base_url}/token"
    assert "S256" in conf["code_challenge_methods_supported"]

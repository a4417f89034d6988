"""Slice 2: the identity platform, driven by Authlib's OAuth2Session (requests client)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.jwk import KeySet
from microsoft_helpers import ANN, CLIENT, REDIRECT, SECRET, run, sign_in

SCOPE = "openid profile offline_access User.Read Calendars.ReadWrite Mail.ReadWrite"
VERIFIER = "v" * 64


def session(**kw) -> OAuth2Session:
    return OAuth2Session(
        CLIENT,
        SECRET,
        scope=kw.pop("scope", SCOPE),
        redirect_uri=kw.pop("redirect_uri", REDIRECT),
        code_challenge_method="S256",
        **kw,
    )


def authorize(sb, oauth: OAuth2Session, tenant="common", **kw) -> requests.Response:
    url, _ = oauth.create_authorization_url(
        f"{sb.authority(tenant)}/authorize", code_verifier=VERIFIER, nonce="n-1"
    )
    return sign_in(url, **kw)


def code_flow(sb, tenant="common") -> tuple[OAuth2Session, dict]:
    oauth = session()
    resp = authorize(sb, oauth, tenant)
    assert resp.status_code == 302, resp.text
    token = oauth.fetch_token(
        f"{sb.authority(tenant)}/token",
        authorization_response=resp.headers["Location"],
        code_verifier=VERIFIER,
    )
    return oauth, token


@pytest.mark.parametrize("tenant", ["common", "organizations", "tenant-guid"])
def test_code_flow_with_pkce_gives_graph_tokens(msb, tenant):
    tenant = msb.tenant_id if tenant == "tenant-guid" else tenant
    _, token = code_flow(msb, tenant)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 0 and token["ext_expires_in"] > 0
    assert {"User.Read", "Calendars.ReadWrite", "Mail.ReadWrite", "openid"} <= set(
        token["scope"].split()
    )
    assert token["refresh_token"]
    keys = requests.get(f"{msb.base_url}/{tenant}/discovery/v2.0/keys", timeout=5).json()
    claims = jwt.decode(token["id_token"], KeySet.import_key_set(keys)).claims
    assert claims["tid"] == msb.tenant_id and claims["oid"] == msb.state.users[ANN].oid
    assert claims["preferred_username"] == ANN and claims["aud"] == CLIENT
    assert claims["nonce"] == "n-1" and claims["iss"].endswith(f"/{msb.tenant_id}/v2.0")
    me = run(msb, lambda c: c.me.get(), token=token["access_token"])
    assert me.user_principal_name == ANN


def test_unknown_tenant_guid_is_refused(msb):
    answer = requests.post(
        f"{msb.base_url}/00000000-0000-0000-0000-000000000001/oauth2/v2.0/token",
        data={"grant_type": "refresh_token"},
        timeout=5,
    )
    assert answer.status_code == 400 and "AADSTS90002" in answer.json()["error_description"]


def test_no_offline_access_no_refresh_token(msb):
    oauth = session(scope="openid User.Read")
    resp = authorize(msb, oauth)
    token = oauth.fetch_token(
        f"{msb.authority()}/token",
        authorization_response=resp.headers["Location"],
        code_verifier=VERIFIER,
    )
    assert "refresh_token" not in token and token["id_token"]


def test_every_refresh_gives_a_new_refresh_token_and_the_old_one_still_works(msb):
    oauth, token = code_flow(msb)
    first = token["refresh_token"]
    again = oauth.refresh_token(f"{msb.authority()}/token", refresh_token=first)
    assert again["refresh_token"] and again["refresh_token"] != first
    still = oauth.refresh_token(f"{msb.authority()}/token", refresh_token=first)
    assert still["access_token"] and still["refresh_token"] not in (first, again["refresh_token"])
    me = run(msb, lambda c: c.me.get(), token=still["access_token"])
    assert me.mail == ANN


def test_unregistered_redirect_uri_is_aadsts50011(msb):
    oauth = session(redirect_uri="http://evil.example/cb")
    url, _ = oauth.create_authorization_url(f"{msb.authority()}/authorize", code_verifier=VERIFIER)
    page = requests.get(url, timeout=5)
    assert page.status_code == 400 and "AADSTS50011" in page.text


def test_wrong_or_missing_code_verifier_is_aadsts501481(msb):
    for verifier in ("w" * 64, None):
        oauth = session()
        resp = authorize(msb, oauth)
        kw = {"code_verifier": verifier} if verifier else {}
        if not verifier:
            oauth.code_challenge_method = None  # Authlib would add the verifier otherwise
        with pytest.raises(OAuthError) as err:
            oauth.fetch_token(
                f"{msb.authority()}/token", authorization_response=resp.headers["Location"], **kw
            )
        assert err.value.error == "invalid_grant"
        assert "AADSTS501481" in err.value.description


def test_user_declining_and_admin_consent(msb):
    declined = authorize(msb, session(), action="deny")
    query = parse_qs(urlparse(declined.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and "AADSTS65004" in query["error_description"][0]
    admin = authorize(msb, session(scope="openid offline_access Directory.Read.All"))
    query = parse_qs(urlparse(admin.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and "AADSTS90094" in query["error_description"][0]
    requests.post(
        f"{msb.base_url}/_sandbox/tenant", json={"user_consent_allowed": False}, timeout=5
    )
    blocked = authorize(msb, session())
    assert (
        "AADSTS90094"
        in parse_qs(urlparse(blocked.headers["Location"]).query)["error_description"][0]
    )
    msb.add_client(CLIENT, SECRET, [REDIRECT], admin_consented=True)
    assert "code=" in authorize(msb, session()).headers["Location"]
    msb.state.user_consent_allowed = True


def test_expired_refresh_token_is_invalid_grant(msb):
    oauth, token = code_flow(msb)
    msb.clock.advance(days=91)
    with pytest.raises(OAuthError) as err:
        oauth.refresh_token(f"{msb.authority()}/token", refresh_token=token["refresh_token"])
    assert err.value.error == "invalid_grant" and "AADSTS700082" in err.value.description


@pytest.mark.parametrize("how", ["revokeSignInSessions", "password change"])
def test_revocation_makes_every_refresh_fail(msb, how):
    oauth, token = code_flow(msb)
    newer = oauth.refresh_token(f"{msb.authority()}/token", refresh_token=token["refresh_token"])
    msb.clock.advance(1)
    if how == "revokeSignInSessions":
        # msgraph-sdk's me.revoke_sign_in_sessions.post() does this call
        result = run(
            msb, lambda c: c.me.revoke_sign_in_sessions.post(), token=newer["access_token"]
        )
        assert result.value is True
    else:
        requests.post(
            f"{msb.base_url}/_sandbox/users/{ANN}/password", json={"password": "n3w"}, timeout=5
        )
    for refresh in (token["refresh_token"], newer["refresh_token"]):
        with pytest.raises(OAuthError) as err:
            oauth.refresh_token(f"{msb.authority()}/token", refresh_token=refresh)
        assert err.value.error == "invalid_grant" and "AADSTS50173" in err.value.description


def test_bad_client_secret_and_reused_code(msb):
    oauth = session()
    resp = authorize(msb, oauth)
    bad = OAuth2Session(CLIENT, "wrong", redirect_uri=REDIRECT)
    with pytest.raises(OAuthError) as err:
        bad.fetch_token(
            f"{msb.authority()}/token",
            authorization_response=resp.headers["Location"],
            code_verifier=VERIFIER,
        )
    assert err.value.error == "invalid_client" and "AADSTS7000215" in err.value.description
    resp = authorize(msb, oauth)
    oauth.fetch_token(
        f"{msb.authority()}/token",
        authorization_response=resp.headers["Location"],
        code_verifier=VERIFIER,
    )
    with pytest.raises(OAuthError) as err:
        oauth.fetch_token(
            f"{msb.authority()}/token",
            authorization_response=resp.headers["Location"],
            code_verifier=VERIFIER,
        )
    assert err.value.error == "invalid_grant" and "AADSTS54005" in err.value.description


def test_a_missing_secret_is_aadsts7000218(msb):
    resp = authorize(msb, session())
    public = OAuth2Session(CLIENT, None, redirect_uri=REDIRECT, token_endpoint_auth_method="none")
    with pytest.raises(OAuthError) as err:
        public.fetch_token(
            f"{msb.authority()}/token",
            authorization_response=resp.headers["Location"],
            code_verifier=VERIFIER,
        )
    assert err.value.error == "invalid_client" and "AADSTS7000218" in err.value.description


def test_another_redirect_uri_at_the_token_endpoint_is_aadsts500112(msb):
    resp = authorize(msb, session())
    elsewhere = session(redirect_uri=REDIRECT + "/elsewhere")
    with pytest.raises(OAuthError) as err:
        elsewhere.fetch_token(
            f"{msb.authority()}/token",
            authorization_response=resp.headers["Location"],
            code_verifier=VERIFIER,
        )
    assert err.value.error == "invalid_grant" and "AADSTS500112" in err.value.description


def test_wrong_password_shows_the_form_again(msb):
    url, _ = session().create_authorization_url(
        f"{msb.authority()}/authorize", code_verifier=VERIFIER
    )
    resp = sign_in(url, password="nope")
    assert resp.status_code == 400 and "AADSTS50126" in resp.text and 'id="consent"' in resp.text


@pytest.mark.parametrize("tenant", ["consumers", "acme.com"])
def test_tenants_other_than_ours_are_not_found(msb, tenant):
    page = requests.get(f"{msb.authority(tenant)}/authorize?client_id={CLIENT}", timeout=5)
    assert page.status_code == 400 and "AADSTS90002" in page.json()["error_description"]
